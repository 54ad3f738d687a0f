// strophe.js 5 under Node: its BOSH transport (over an XMLHttpRequest, which Node lacks: xhr2 provides one) and its
// WebSocket transport (over the `ws` package its Node build wires up). Its XEP-0198 support is WebSocket-only.
import { Strophe, $pres, $msg, $iq } from 'strophe.js';
import { DOMParser } from '@xmldom/xmldom';
import Xhr2 from 'xhr2';
import { withTimeout } from '../lib.mjs';
import { NS_MAM, NS_MUC, RawInput } from './common.mjs';

function normalise(element) {
    const text = (name) => {
        const child = element.getElementsByTagName(name)[0];
        return child && child.parentNode === element ? child.textContent : undefined;
    };
    const codes = [];
    for (const x of Array.from(element.getElementsByTagName('x'))) {
        if (x.getAttribute('xmlns') === `${NS_MUC}#user`) {
            for (const status of Array.from(x.getElementsByTagName('status'))) {
                codes.push(status.getAttribute('code'));
            }
        }
    }
    const name = element.tagName;
    return {
        kind: name,
        from: element.getAttribute('from'),
        type: element.getAttribute('type') || (name === 'message' ? 'normal' : 'available'),
        body: text('body'),
        status: text('status'),
        codes,
    };
}

/**
 * strophe.js 5.0.0 bug (STROPHE_BOSH_RESPONSE_TEXT in JsClientInteropTest): when an XMLHttpRequest has no
 * responseXML, Request.getResponse() parses responseText "with DOMParser" and then returns null instead of the parsed
 * document, so Strophe's BOSH never gets past the session creation response outside a browser (1.x returned
 * parseFromString(...).documentElement). xhr2 has no responseXML; this one parses the text with the same DOM
 * Strophe's Node build uses, which is what a browser's XMLHttpRequest hands Strophe.
 */
class XhrWithResponseXml extends Xhr2 {
    get responseXML() {
        return this.readyState === 4 && this.responseText
            ? new DOMParser().parseFromString(this.responseText, 'text/xml') : null;
    }
}

export function create(config, transport, inbox) {
    globalThis.XMLHttpRequest ??= XhrWithResponseXml;
    const millis = config.stepMillis;
    const url = transport === 'bosh' ? config.boshUrl : config.websocketUrl;
    const connection = new Strophe.Connection(url, { enableStreamManagement: transport === 'websocket' });
    const raw = new RawInput(millis);
    connection.rawInput = (data) => raw.add(data);
    const statusWaiters = [];
    const onStatus = (status, condition) => {
        for (const waiter of [...statusWaiters]) {
            waiter(status, condition);
        }
    };
    const awaitStatus = (wanted, what) => withTimeout(new Promise((resolve, reject) => {
        statusWaiters.push((status, condition) => {
            if (status === wanted) {
                resolve();
            } else if ([Strophe.Status.AUTHFAIL, Strophe.Status.CONNFAIL, Strophe.Status.ERROR].includes(status)) {
                reject(new Error(`Strophe status ${status} (${condition}) while waiting for ${what}`));
            }
        });
    }), millis, what);
    const iq = (stanza) => withTimeout(new Promise((resolve, reject) => {
        connection.sendIQ(stanza, resolve, (error) => reject(new Error(`IQ error: ${error ? error.outerHTML
            || error.toString() : 'timeout'}`)));
    }), millis, 'an IQ result');

    for (const kind of ['message', 'presence']) {
        connection.addHandler((element) => {
            inbox.add(normalise(element));
            return true;
        }, null, kind);
    }

    return {
        async login(resource) {
            const connected = awaitStatus(Strophe.Status.CONNECTED, 'Strophe to connect');
            const [user] = config.user.split('@');
            connection.connect(`${config.user}/${resource}`, `${user}pw`, onStatus);
            await connected;
            return connection.jid;
        },
        async roster() {
            const result = await iq($iq({ type: 'get' }).c('query', { xmlns: Strophe.NS.ROSTER }));
            return Array.from(result.getElementsByTagName('item')).map((item) => item.getAttribute('jid'));
        },
        async sendPresence(status) {
            connection.send($pres().c('status').t(status));
        },
        async sendMessage(to, type, body) {
            connection.send($msg({ to, type }).c('body').t(body));
        },
        async joinRoom(room, nick) {
            connection.send($pres({ to: `${room}/${nick}` }).c('x', { xmlns: NS_MUC }));
        },
        async archive(withJid, since) {
            const queryid = `q${Date.now()}`;
            const bodies = [];
            const handler = connection.addHandler((element) => {
                const result = element.getElementsByTagName('result')[0];
                if (result && result.getAttribute('queryid') === queryid) {
                    const body = result.getElementsByTagName('body')[0];
                    if (body) {
                        bodies.push(body.textContent);
                    }
                }
                return true;
            }, null, 'message');
            try {
                await iq($iq({ type: 'set' }).c('query', { xmlns: NS_MAM, queryid })
                    .c('x', { xmlns: 'jabber:x:data', type: 'submit' })
                    .c('field', { var: 'FORM_TYPE', type: 'hidden' }).c('value').t(NS_MAM).up().up()
                    .c('field', { var: 'with' }).c('value').t(withJid).up().up()
                    .c('field', { var: 'start' }).c('value').t(since));
            } finally {
                connection.deleteHandler(handler);
            }
            return bodies;
        },
        streamManagement: (t) => t === 'websocket',
        async checkStreamManagement(to, body) {
            const mark = raw.mark();
            connection.send($msg({ to, type: 'chat' }).c('body').t(body));
            // Strophe counts what it sends as it sends it
            const state = connection.sm._state;
            const sent = state.hOutAcked + state.unacked.length;
            connection.sm.requestAck();
            const h = await raw.ackAfter(mark, "the server's <a/> answering Strophe's <r/>");
            return { enabled: connection.sm.enabled, sent, h };
        },
        async logout() {
            const disconnected = awaitStatus(Strophe.Status.DISCONNECTED, 'Strophe to disconnect');
            connection.disconnect('interop test done');
            await disconnected;
        },
    };
}
