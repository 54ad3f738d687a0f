// StanzaJS 12 under Node: its BOSH transport (over fetch) and its WebSocket transport (over `ws`), each with
// XEP-0198 stream management, which StanzaJS enables by default.
import * as XMPP from 'stanza';
import { withTimeout } from '../lib.mjs';

function normalise(kind, stanza) {
    return {
        kind,
        from: stanza.from,
        type: stanza.type || (kind === 'message' ? 'normal' : 'available'),
        body: stanza.body,
        status: stanza.status,
        codes: stanza.muc && stanza.muc.statusCodes ? stanza.muc.statusCodes.map(String) : [],
    };
}

export function create(config, transport, inbox) {
    const millis = config.stepMillis;
    const [user] = config.user.split('@');
    let client;

    return {
        async login(resource) {
            client = XMPP.createClient({
                jid: config.user,
                password: `${user}pw`,
                resource,
                transports: transport === 'bosh'
                    ? { bosh: config.boshUrl, websocket: false }
                    : { websocket: config.websocketUrl, bosh: false },
                timeout: Math.ceil(millis / 1000),
            });
            client.on('message', (message) => inbox.add(normalise('message', message)));
            client.on('presence', (presence) => inbox.add(normalise('presence', presence)));
            const started = new Promise((resolve, reject) => {
                client.once('session:started', resolve);
                client.once('auth:failed', () => reject(new Error('StanzaJS: authentication failed')));
            });
            client.connect();
            await withTimeout(started, millis, 'StanzaJS to start its session');
            return client.jid;
        },
        async roster() {
            const roster = await client.getRoster();
            return (roster.items || []).map((item) => item.jid);
        },
        async sendPresence(status) {
            client.sendPresence({ status });
        },
        async sendMessage(to, type, body) {
            client.sendMessage({ to, type, body });
        },
        async joinRoom(room, nick) {
            await client.joinRoom(room, nick);
        },
        async archive(withJid, since) {
            const fin = await client.searchHistory({ with: withJid, start: new Date(since) });
            return (fin.results || []).map((result) => result.item.message && result.item.message.body)
                .filter((body) => body);
        },
        streamManagement: () => true,
        async checkStreamManagement(to, body) {
            // StanzaJS tracks what it sends on its own queue: wait until this message is counted, so `sent` is the
            // number of stanzas the server has to have handled to acknowledge it
            const sm = client.sm;
            const tracked = new Promise((resolve) => {
                const onSend = (message) => {
                    const index = sm.unacked.findIndex(([kind, stanza]) => kind === 'message' && stanza === message);
                    if (message.body === body && index >= 0) {
                        client.off('message:sent', onSend);
                        resolve(sm.lastAck + index + 1);
                    }
                };
                client.on('message:sent', onSend);
            });
            client.sendMessage({ to, type: 'chat', body });
            const sent = await withTimeout(tracked, millis, 'StanzaJS to count the message it sent');
            const acked = new Promise((resolve) => {
                const onAck = (ack) => {
                    if (ack.handled >= sent) {
                        client.off('stream:management:ack', onAck);
                        resolve(ack.handled);
                    }
                };
                client.on('stream:management:ack', onAck);
            });
            sm.request();
            const h = await withTimeout(acked, millis, "the server's <a/> covering the message StanzaJS sent");
            return { enabled: sm.started, sent, h };
        },
        async logout() {
            const ended = new Promise((resolve) => client.once('--transport-disconnected', resolve));
            client.disconnect();
            await withTimeout(ended, millis, 'StanzaJS to disconnect');
        },
    };
}
