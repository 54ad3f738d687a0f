// xmpp.js (@xmpp/client 0.14) under Node: its WebSocket transport (it has no BOSH), SASL2 and Bind 2 when offered,
// and XEP-0198 stream management, which it enables by itself.
import { client as xmppClient, xml } from '@xmpp/client';
import { WebSocket } from 'ws';
import { log, normaliseLtx, withTimeout } from '../lib.mjs';
import { NS_MAM, NS_MUC, NS_SM } from './common.mjs';

/**
 * xmpp.js uses the global WebSocket, which Node 20 has only behind --experimental-websocket, and that one (undici
 * 6.24) has a bug of its own (NODE_WEBSOCKET_DEFLATE_HALF_CLOSE in JsClientInteropTest): with permessage-deflate, a
 * compressed message followed by the server's close frame and TCP half-close is dropped and the close reported as
 * 1006, so xmpp.js never sees the server's <close/>, takes the stream as broken and reconnects. The `ws` package,
 * which strophe.js's and StanzaJS's Node builds use, reads the same bytes correctly.
 */
globalThis.WebSocket = WebSocket;

export function create(config, transport, inbox) {
    if (transport !== 'websocket') {
        throw new Error('xmpp.js has no BOSH transport');
    }
    const millis = config.stepMillis;
    const [username] = config.user.split('@');
    let client;
    // Every top-level element xmpp.js parsed from what Portico sent, for the stream management report.
    const input = [];
    const iq = (element) => withTimeout(client.iqCaller.request(element, millis), millis, 'an IQ result');

    return {
        async login(resource) {
            client = xmppClient({
                service: config.websocketUrl,
                domain: config.domain,
                username,
                password: `${username}pw`,
                resource,
                // xmpp.js waits 2 s by default for each stream step, too short for a busy 2-core CI machine
                timeout: millis,
            });
            client.on('error', (error) => inbox.add({ kind: 'error', error: error.message }));
            client.on('status', (status) => log('xmpp.js status', status));
            client.on('stanza', (stanza) => inbox.add(normaliseLtx(stanza)));
            client.on('element', (element) => input.push(element.toString()));
            const jid = await withTimeout(client.start(), millis, 'xmpp.js to log in');
            return jid.toString();
        },
        async roster() {
            const result = await iq(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
            return result.getChild('query').getChildren('item').map((item) => item.attrs.jid);
        },
        async sendPresence(status) {
            await client.send(xml('presence', {}, xml('status', {}, status)));
        },
        async sendMessage(to, type, body) {
            await client.send(xml('message', { to, type }, xml('body', {}, body)));
        },
        async joinRoom(room, nick) {
            await client.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: NS_MUC })));
        },
        async archive(withJid, since) {
            const queryid = `q${Date.now()}`;
            const bodies = [];
            const collect = (stanza) => {
                const result = stanza.getChild('result', NS_MAM);
                if (stanza.is('message') && result && result.attrs.queryid === queryid) {
                    const forwarded = result.getChild('forwarded', 'urn:xmpp:forward:0');
                    const body = forwarded && forwarded.getChild('message')?.getChildText('body');
                    if (body) {
                        bodies.push(body);
                    }
                }
            };
            client.on('stanza', collect);
            try {
                await iq(xml('iq', { type: 'set' }, xml('query', { xmlns: NS_MAM, queryid },
                    xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
                        xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NS_MAM)),
                        xml('field', { var: 'with' }, xml('value', {}, withJid)),
                        xml('field', { var: 'start' }, xml('value', {}, since))))));
            } finally {
                client.removeListener('stanza', collect);
            }
            return bodies;
        },
        streamManagement: () => true,
        async checkStreamManagement(to, body) {
            const sm = client.streamManagement;
            if (!sm.enabled) {
                // See XMPPJS_REBINDS_AFTER_BIND2 in JsClientInteropTest: report what reached the library instead.
                return {
                    enabled: false,
                    smOffered: input.some((data) => /^<stream:features[^]*<sm xmlns="urn:xmpp:sm:3"/.test(data)),
                    enableSent: sm.enableSent,
                    rebindRejected: input.some((data) => /^<iq [^>]*type="error"[^]*<service-unavailable/.test(data)),
                };
            }
            await client.send(xml('message', { to, type: 'chat' }, xml('body', {}, body)));
            // xmpp.js queues what it sends for acknowledgement as it sends it
            const sent = sm.outbound + sm.outbound_q.length;
            const acked = new Promise((resolve) => {
                const onAck = () => {
                    if (sm.outbound >= sent) {
                        sm.removeListener('ack', onAck);
                        resolve(sm.outbound);
                    }
                };
                sm.on('ack', onAck);
            });
            await client.send(xml('r', { xmlns: NS_SM }));
            const h = await withTimeout(acked, millis, "the server's <a/> covering the message xmpp.js sent");
            return { enabled: sm.enabled, sent, h };
        },
        async logout() {
            await withTimeout(client.stop(), millis, 'xmpp.js to close its stream');
        },
    };
}
