package org.portico.cluster;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.infinispan.remoting.transport.jgroups.JGroupsChannelConfigurator;
import org.jgroups.JChannel;
import org.jgroups.conf.ProtocolConfiguration;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.FRAG4;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.MFC;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.UFC;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.stack.Protocol;
import org.jgroups.util.SocketFactory;

/**
 * How a cluster node finds and reaches the others: the JGroups stack of Infinispan's default TCP one, with TCPPING in
 * place of multicast discovery and the ports and timeouts from {@code cluster.*}. Infinispan asks it for the channel
 * when its transport starts; a channel configurator rather than a channel, because Infinispan 16 builds its
 * transport afresh from the configuration and would leave a channel handed to it unused for its default (multicast)
 * stack.
 */
record TcpPingStack(ClusterConfig config) implements JGroupsChannelConfigurator {

    /** How often a partitioned cluster looks for its other half (MERGE3): a rare event, looked for often. */
    private static final long MERGE_MIN_MILLIS = 2000;
    private static final long MERGE_MAX_MILLIS = 5000;

    @Override
    public String getName() {
        return "portico-tcpping";
    }

    @Override
    public JChannel createChannel(String name) {
        try {
            InetAddress bind = InetAddress.getByName(config.bindHost());
            List<InetSocketAddress> initial = new ArrayList<>();
            for (String member : config.members()) {
                int colon = member.lastIndexOf(':');
                initial.add(new InetSocketAddress(member.substring(0, colon),
                        Integer.parseInt(member.substring(colon + 1))));
            }
            long failure = config.failureTimeout().toMillis();
            List<Protocol> stack = List.of(
                    new TCP().setBindAddress(bind).setBindPort(config.bindPort()).setPortRange(0),
                    new TCPPING().setInitialHosts(initial).setPortRange(0),
                    new MERGE3().setMinInterval(MERGE_MIN_MILLIS).setMaxInterval(MERGE_MAX_MILLIS),
                    new FD_SOCK2().setOffset(config.failureDetectionOffset()).setPortRange(0),
                    new FD_ALL3().setTimeout(failure).setInterval(Math.max(250, failure / 4)),
                    new VERIFY_SUSPECT2().setTimeout(Math.min(1000, failure / 2)),
                    new NAKACK2(),
                    new UNICAST3(),
                    new STABLE(),
                    new GMS().setJoinTimeout(config.joinTimeout().toMillis()),
                    new UFC(),
                    new MFC(),
                    new FRAG4());
            return new JChannel(stack).name(config.nodeName());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cluster.bind: unknown host " + config.bindHost(), e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot build the JGroups channel: " + e.getMessage(), e);
        }
    }

    @Override
    public void setSocketFactory(SocketFactory factory) {
        // JGroups' default sockets: Portico secures nothing of its own on this channel (docs/cluster.md)
    }

    @Override
    public void setDataSource(DataSource dataSource) {
        // no JDBC discovery
    }

    @Override
    public String getProtocolStackString() {
        return "TCP(" + config.bindHost() + ":" + config.bindPort() + "):TCPPING" + config.members();
    }

    @Override
    public List<ProtocolConfiguration> getProtocolStack() {
        return List.of();
    }
}
