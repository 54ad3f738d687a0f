// Shared by the client scripts: settings from the environment, the JSON-lines report, waiting for conditions,
// and the peer, a reference client that talks to Prosody directly (not through Portico).
import { client as xmppClient, xml } from '@xmpp/client';

/** Settings handed over by JsClientInteropTest; every one is required. */
export function settings() {
    const read = (name) => {
        const value = process.env[name];
        if (!value) {
            throw new Error(`environment variable ${name} is not set`);
        }
        return value;
    };
    return {
        boshUrl: read('INTEROP_BOSH_URL'),
        websocketUrl: read('INTEROP_WEBSOCKET_URL'),
        domain: read('INTEROP_DOMAIN'),
        prosody: read('INTEROP_PROSODY'), // xmpp://127.0.0.1:<c2s port>, for the peer
        room: read('INTEROP_ROOM'), // the group chat room, on Prosody's MUC service
        user: read('INTEROP_USER'),
        peer: read('INTEROP_PEER'),
        run: read('INTEROP_RUN'), // unique per run: message bodies and room names carry it
        stepMillis: Number(read('INTEROP_STEP_MILLIS')),
    };
}

/** One line per observation on stdout; JsClientInteropTest parses them and asserts. */
export function report(behaviour, fields) {
    process.stdout.write(JSON.stringify({ behaviour, ...fields }) + '\n');
}

/** Diagnostics go to stderr, which the Java test copies into its log. */
export function log(...args) {
    process.stderr.write(`[${new Date().toISOString()}] ${args.join(' ')}\n`);
}

export function withTimeout(promise, millis, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${millis} ms waiting for ${what}`)), millis);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Everything one side received, normalised to {kind, from, type, body, status, codes, id}, so a step can wait for
 * a stanza that may already have arrived.
 */
export class Inbox {
    constructor(millis) {
        this.millis = millis;
        this.items = [];
        this.waiters = [];
    }

    add(item) {
        this.items.push(item);
        for (const waiter of [...this.waiters]) {
            if (waiter.test(item)) {
                this.waiters.splice(this.waiters.indexOf(waiter), 1);
                waiter.resolve(item);
            }
        }
    }

    waitFor(test, what) {
        const found = this.items.find(test);
        if (found) {
            return Promise.resolve(found);
        }
        const waiter = { test };
        const promise = new Promise((resolve) => {
            waiter.resolve = resolve;
        });
        this.waiters.push(waiter);
        return withTimeout(promise, this.millis, what).finally(() => {
            const index = this.waiters.indexOf(waiter);
            if (index >= 0) {
                this.waiters.splice(index, 1);
            }
        });
    }
}

/** Reads an @xmpp/xml (ltx) stanza into the Inbox shape. */
export function normaliseLtx(stanza) {
    const x = stanza.getChild('x', 'http://jabber.org/protocol/muc#user');
    return {
        kind: stanza.name,
        from: stanza.attrs.from,
        type: stanza.attrs.type || (stanza.name === 'message' ? 'normal' : 'available'),
        body: stanza.getChildText('body'),
        status: stanza.getChildText('status'),
        codes: x ? x.getChildren('status').map((s) => s.attrs.code) : [],
        id: stanza.attrs.id,
    };
}

/**
 * The peer: @xmpp/client over plain c2s TCP with STARTTLS straight to Prosody, so what it sees does not depend on
 * Portico or on the library under test.
 */
export async function startPeer(config, resource) {
    const [username] = config.peer.split('@');
    const peer = xmppClient({
        service: config.prosody,
        domain: config.domain,
        username,
        password: `${username}pw`,
        resource,
        // xmpp.js waits 2 s by default for each stream step, too short for a busy 2-core CI machine
        timeout: config.stepMillis,
    });
    peer.inbox = new Inbox(config.stepMillis);
    peer.on('error', (error) => log('peer error:', error.message));
    peer.on('stanza', (stanza) => peer.inbox.add(normaliseLtx(stanza)));
    const jid = await withTimeout(peer.start(), config.stepMillis, 'the peer to log in to Prosody');
    peer.fullJid = jid.toString();
    await peer.send(xml('presence', {}, xml('status', {}, `peer ${config.run}`)));
    return peer;
}

/** The peer creates the room as an instant room (XEP-0045 §10.1.2) so the client can join it. */
export async function peerCreatesRoom(peer, room, nick) {
    await peer.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    const self = await peer.inbox.waitFor((s) => s.kind === 'presence' && s.from === `${room}/${nick}`
        && s.codes.includes('110'), `the peer's own presence in ${room}`);
    if (self.codes.includes('201')) {
        await peer.iqCaller.request(xml('iq', { type: 'set', to: room },
            xml('query', { xmlns: 'http://jabber.org/protocol/muc#owner' },
                xml('x', { xmlns: 'jabber:x:data', type: 'submit' }))));
    }
}

export async function stopPeer(peer) {
    try {
        await withTimeout(peer.stop(), 5000, 'the peer to log out');
    } catch (error) {
        log('peer stop:', error.message);
    }
}

// Libraries log to the console (Strophe's debug lines, say); stdout carries only the report.
for (const level of ['log', 'info', 'debug', 'warn', 'error']) {
    console[level] = (...args) => log(...args);
}
