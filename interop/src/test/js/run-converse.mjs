// Drives converse.js 14 in headless Chromium (playwright-core driving Debian's /usr/bin/chromium) over one of
// Portico's transports, against a peer connected straight to Prosody:
//
//   node run-converse.mjs <bosh|websocket>
//
// Reports the same behaviours as run-client.mjs, then "reloads": INTEROP_RELOADS page reloads in a row, the peer
// sending one message just before each reload and one while the new page loads, every one of which converse must
// show exactly once. Settings come from the environment (lib.mjs), plus INTEROP_PAGE_PORT (the loopback port this
// script serves converse's files on, which Portico allows as a cross-origin), INTEROP_CHROMIUM and INTEROP_RELOADS.
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { xml } from '@xmpp/client';
import { settings, report, log, startPeer, stopPeer, peerCreatesRoom } from './lib.mjs';

const [transport] = process.argv.slice(2);
const config = settings();
const pagePort = Number(process.env.INTEROP_PAGE_PORT);
const reloads = Number(process.env.INTEROP_RELOADS);
const chromiumPath = process.env.INTEROP_CHROMIUM;
const here = fileURLToPath(new URL('.', import.meta.url));
const dist = join(here, 'node_modules', 'converse.js', 'dist');
const millis = config.stepMillis;

// ---- the page server: converse's dist files, and a gate the reload test closes on gate.js ----

const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
    '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2',
    '.woff': 'font/woff', '.ttf': 'font/ttf', '.mp3': 'audio/mpeg', '.ogg': 'audio/ogg' };
let gate = null; // while set, the next request for gate.js waits for it: the old page is gone by then
const server = createServer(async (request, response) => {
    const path = new URL(request.url, 'http://localhost').pathname;
    let file;
    if (path === '/') {
        file = join(here, 'converse-page.html');
    } else if (path === '/gate.js') {
        if (gate) {
            const opened = gate;
            gate = null;
            await opened();
        }
        response.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
        response.end('// the reloaded page asked for this after the old page unloaded\n');
        return;
    } else if (path.startsWith('/dist/')) {
        file = normalize(join(dist, path.slice('/dist/'.length)));
    }
    if (!file || !file.startsWith(here) || !existsSync(file)) {
        response.writeHead(404).end();
        return;
    }
    // the page itself is fetched on every reload; converse's files come from the browser's cache after the first
    response.writeHead(200, { 'content-type': types[extname(file)] || 'application/octet-stream',
        'cache-control': path === '/' ? 'no-store' : 'max-age=3600' });
    response.end(readFileSync(file));
});
await new Promise((resolve) => server.listen(pagePort, '127.0.0.1', resolve));

// ---- the peer, then the browser (closed, and its profile removed, in the finally block below) ----

const since = new Date(Date.now() - 1000).toISOString();
const peer = await startPeer(config, `peer-converse-${transport}`);
const profile = mkdtempSync(join(tmpdir(), 'portico-converse-'));
const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
});
const page = context.pages()[0] || await context.newPage();
page.on('console', (message) => log(`[page ${message.type()}] ${message.text()}`));
page.on('pageerror', (error) => log('[page error]', error.message));

const [user] = config.user.split('@');
const resource = `converse-${transport}`;
const converseSettings = {
    authentication: 'login',
    auto_login: true,
    jid: `${config.user}/${resource}`,
    password: `${user}pw`,
    keepalive: true,
    discover_connection_methods: false,
    ...(transport === 'bosh' ? { bosh_service_url: config.boshUrl } : { websocket_url: config.websocketUrl }),
    view_mode: 'fullscreen',
    // With IndexedDB (the default) converse batches its writes for 50 ms, and a reload in that window forgets a
    // message it has shown (CONVERSE_FORGETS_RECEIVED_MESSAGES_ON_RELOAD); localStorage is written at once.
    persistent_store: 'localStorage',
    loglevel: 'info',
    play_sounds: false,
    show_desktop_notifications: false,
    allow_non_roster_messaging: true,
    auto_reconnect: true,
};
const pageUrl = `http://127.0.0.1:${pagePort}/?settings=${encodeURIComponent(JSON.stringify(converseSettings))}`;

/** Runs fn(_converse, arg) in the page, once converse's probe plugin has exposed itself. */
async function inPage(fn, arg) {
    await page.waitForFunction(() => window.probe && window.probe.api, null, { timeout: millis });
    return page.evaluate(async ([source, value]) => {
        // eslint-disable-next-line no-new-func
        const f = new Function(`return (${source})`)();
        return f(window.probe, value);
    }, [fn.toString(), arg]);
}

/** Waits in the page (polling converse's state each animation frame) until fn(_converse, arg) is truthy. */
async function untilInPage(fn, arg, what) {
    await page.waitForFunction(() => window.probe && window.probe.api, null, { timeout: millis });
    try {
        const handle = await page.waitForFunction(([source, value]) => {
            // eslint-disable-next-line no-new-func
            const f = new Function(`return (${source})`)();
            return window.probe && f(window.probe, value);
        }, [fn.toString(), arg], { timeout: millis });
        return handle.jsonValue();
    } catch (error) {
        throw new Error(`timed out after ${millis} ms waiting for ${what}`);
    }
}

const connected = (_converse) => _converse.api.connection.connected() && _converse.api.connection.get().authenticated;

// How many times converse shows each body in the conversation with the peer.
const shownCounts = (_converse, bodies) => {
    const texts = Array.from(document.querySelectorAll('converse-chat-message .chat-msg__text'))
        .map((element) => element.textContent.trim());
    return Object.fromEntries(bodies.map((body) => [body, texts.filter((text) => text === body).length]));
};

// ---- the behaviours ----

let failedLogin = false;
async function step(behaviour, action) {
    if (failedLogin) {
        report(behaviour, { error: 'not attempted: the login failed' });
        return;
    }
    const started = Date.now();
    try {
        const observed = await action();
        report(behaviour, { ...observed, millis: Date.now() - started });
    } catch (error) {
        log(`${behaviour} failed:`, error.stack || error);
        report(behaviour, { error: String(error.message || error), millis: Date.now() - started });
        if (behaviour === 'login') {
            failedLogin = true;
        }
    }
}

const room = config.room;
let jid;

try {
    await step('login', async () => {
        await page.goto(pageUrl);
        await untilInPage(connected, null, 'converse to log in');
        jid = await inPage((_converse) => _converse.api.connection.get().jid);
        return { jid };
    });
    await step('roster', async () => {
        await inPage((_converse) => _converse.api.waitUntil('rosterContactsFetched'));
        return { contacts: await inPage(async (_converse) => (await _converse.api.contacts.get())
            .map((contact) => contact.get('jid'))) };
    });
    await step('presence-out', async () => {
        const status = `client ${config.run}`;
        await inPage((_converse, text) => _converse.api.user.status.set('online', text), status);
        const seen = await peer.inbox.waitFor((s) => s.kind === 'presence' && s.from === jid && s.status === status,
            `the peer to see converse's presence "${status}"`);
        return { from: seen.from, type: seen.type, status: seen.status };
    });
    await step('presence-in', async () => {
        // converse keeps each contact resource's availability and <show/> (not its status text) in its presence
        // model, so the peer changes its <show/>
        await peer.send(xml('presence', {}, xml('show', {}, 'away'), xml('status', {}, `peer ${config.run} away`)));
        return untilInPage((_converse, peerJid) => {
            const presence = _converse.state.presences.get(peerJid.split('/')[0]);
            const resource = presence && presence.resources.get(peerJid.slice(peerJid.indexOf('/') + 1));
            return resource && resource.get('show') === 'away'
                ? { from: peerJid, type: resource.get('presence') === 'online' ? 'available' : 'unavailable',
                    show: resource.get('show') } : null;
        }, peer.fullJid, "converse to record the peer's presence as away");
    });
    await step('message-out', async () => {
        const body = `out ${config.run}`;
        await inPage(async (_converse, [to, text]) => {
            const chat = await _converse.api.chats.open(to, {}, true);
            await chat.sendMessage({ body: text });
        }, [config.peer, body]);
        const seen = await peer.inbox.waitFor((s) => s.kind === 'message' && s.body === body,
            `the peer to receive "${body}"`);
        return { from: seen.from, type: seen.type, body: seen.body };
    });
    await step('message-in', async () => {
        const body = `in ${config.run}`;
        await peer.send(xml('message', { to: jid, type: 'chat' }, xml('body', {}, body)));
        await untilInPage((_converse, text) => Array.from(document.querySelectorAll('.chat-msg__text'))
            .some((element) => element.textContent.trim() === text), body, `converse to show "${body}"`);
        return { from: peer.fullJid, type: 'chat', body, shown: true };
    });
    await step('muc-join', async () => {
        await peerCreatesRoom(peer, room, 'peer');
        await inPage((_converse, [roomJid]) => _converse.api.rooms.open(roomJid, { nick: 'client' }, false),
            [room]);
        await untilInPage((_converse, roomJid) => {
            const muc = _converse.state.chatboxes.get(roomJid);
            return muc && muc.session && muc.session.get('connection_status') === 5; // ROOMSTATUS.ENTERED
        }, room, `converse to enter ${room}`);
        const seen = await peer.inbox.waitFor((s) => s.kind === 'presence' && s.from === `${room}/client`,
            `the peer to see converse join ${room}`);
        return { from: seen.from, codes: ['110'] };
    });
    await step('groupchat-out', async () => {
        const body = `groupchat out ${config.run}`;
        await inPage(async (_converse, [roomJid, text]) => (await _converse.api.rooms.get(roomJid))
            .sendMessage({ body: text }), [room, body]);
        const seen = await peer.inbox.waitFor((s) => s.kind === 'message' && s.body === body,
            `the peer to receive "${body}" in the room`);
        return { from: seen.from, type: seen.type, body: seen.body };
    });
    await step('groupchat-in', async () => {
        const body = `groupchat in ${config.run}`;
        await peer.send(xml('message', { to: room, type: 'groupchat' }, xml('body', {}, body)));
        const seen = await untilInPage((_converse, [roomJid, text]) => {
            const message = _converse.state.chatboxes.get(roomJid).messages.findWhere({ body: text });
            return message ? { from: message.get('from'), type: message.get('type'), body: text } : null;
        }, [room, body], `converse to receive "${body}" in the room`);
        return seen;
    });
    await step('mam', async () => ({
        // the archive keeps earlier runs' messages too: ask only for this run's
        bodies: await inPage(async (_converse, [withJid, start]) => {
            const result = await _converse.api.archive.query({ mam: { with: withJid, start } });
            return result.messages.map((m) => (m.querySelector ? m.querySelector('forwarded message body')
                ?.textContent : m.body)).filter((body) => body);
        }, [config.peer, since]),
    }));
    if (transport === 'websocket') {
        // converse uses XEP-0198 on WebSocket only (its smacks plugin turns it off for BOSH)
        await step('stream-management', async () => {
            const body = `acked ${config.run}`;
            // converse keeps its XEP-0198 counts in its session: what the server acknowledged and what it has not yet
            const sent = await inPage(async (_converse, [to, text]) => {
                const chat = await _converse.api.chats.open(to, {}, true);
                await chat.sendMessage({ body: text });
                const session = _converse.session;
                const counted = session.get('num_stanzas_handled_by_server') + session.get('unacked_stanzas').length;
                _converse.api.connection.get().send(window.converse.env.stx`<r xmlns="urn:xmpp:sm:3"/>`);
                return counted;
            }, [config.peer, body]);
            return untilInPage((_converse, expected) => {
                const session = _converse.session;
                const h = session.get('num_stanzas_handled_by_server');
                return session.get('smacks_enabled') && h >= expected ? { enabled: true, sent: expected, h } : null;
            }, sent, 'the server to acknowledge the message converse sent');
        });
    }
    await step('reloads', () => reloadRepeatedly());
    if (transport === 'bosh') {
        await step('cut-off reload', () => reloadCuttingOffARequest());
    }
    await step('disconnect', async () => {
        const currentJid = await inPage((_converse) => _converse.api.connection.get().jid);
        await inPage((_converse) => _converse.api.user.logout());
        const seen = await peer.inbox.waitFor((s) => s.kind === 'presence' && s.from === currentJid
            && s.type === 'unavailable', `the peer to see ${currentJid} go unavailable`);
        return { from: seen.from, type: seen.type, jid: currentJid };
    });
} finally {
    await stopPeer(peer);
    await context.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
}
report('done', {});
process.exit(0);

/**
 * The peer sends "before i" and makes sure Prosody has routed it (a ping round trip after it), the page reloads at
 * once, and "during i" is sent while the reloaded page's first script is held back (the old page is gone by then).
 * After each reload converse must be connected again; then the next reload follows at once. At the end every message
 * must have reached converse's connection (the page's record) and be shown exactly once.
 */
async function reloadRepeatedly() {
    const bodies = [];
    const notShownRightAfterReload = [];
    const pingProsody = () => peer.iqCaller.request(xml('iq', { type: 'get', to: config.domain },
        xml('ping', { xmlns: 'urn:xmpp:ping' })), millis);
    const send = async (body) => {
        bodies.push(body);
        await peer.send(xml('message', { to: config.user, type: 'chat', id: body.replace(/ /g, '-') },
            xml('body', {}, body)));
        await pingProsody();
    };
    await inPage((_converse, to) => _converse.api.chats.open(to, {}, true), config.peer);
    const resumed = [];
    let done = 0;
    for (let i = 1; i <= reloads; i++) {
        const before = `before reload ${i} ${config.run}`;
        const during = `during reload ${i} ${config.run}`;
        let duringSent = false;
        gate = async () => {
            await send(during);
            duringSent = true;
        };
        await send(before);
        await page.reload({ waitUntil: 'load' });
        if (!duringSent) {
            throw new Error(`reload ${i}: the reloaded page never asked for gate.js`);
        }
        await untilInPage(connected, null, `converse to be connected again after reload ${i}`);
        resumed.push(await inPage((_converse) => _converse.api.connection.get().hasResumed()));
        try {
            await untilInPage((_converse, expected) => {
                const texts = Array.from(document.querySelectorAll('converse-chat-message .chat-msg__text'))
                    .map((element) => element.textContent.trim());
                return expected.every((text) => texts.includes(text));
            }, [before, during], `converse to show "${before}" and "${during}"`);
        } catch (error) {
            notShownRightAfterReload.push(i);
            log(`reload ${i}:`, error.message);
        }
        done = i;
    }
    const shown = await inPage(shownCounts, bodies);
    const received = await inPage(() => JSON.parse(sessionStorage.getItem('portico-received') || '[]'));
    const receipts = (body) => received.filter((r) => r.body === body);
    const figures = {
        reloads: done,
        resumed: resumed.filter((r) => r).length,
        sent: bodies.length,
        received: bodies.filter((body) => receipts(body).length > 0).length,
        receivedWhileUnloading: bodies.filter((body) => receipts(body).length > 0
            && receipts(body).every((r) => r.unloading)),
        notReceived: bodies.filter((body) => receipts(body).length === 0),
        shown: bodies.filter((body) => shown[body] > 0).length,
        notShown: bodies.filter((body) => shown[body] === 0),
        duplicates: bodies.reduce((sum, body) => sum + Math.max(0, shown[body] - 1), 0),
        duplicated: bodies.filter((body) => shown[body] > 1),
        notShownRightAfterReload,
        // per message: how often it reached converse's connection, and how often converse shows it
        receipts: Object.fromEntries(bodies.map((body) => [body, receipts(body).length])),
        shownCounts: shown,
    };
    log('reload figures:', JSON.stringify(figures));
    return figures;
}

/**
 * A reload that cuts off the page's last request: converse sends a message, the browser never lets that request
 * reach Portico (it fails at once, as one queued or on a connection still opening does when the page unloads), and
 * the page reloads before Strophe retries it. Strophe's restore continues with the rid after it and never sends the
 * cut-off one. Reports how long converse took to be connected again and to get a message to the peer after the
 * reload, and whether it is still the same BOSH session.
 */
async function reloadCuttingOffARequest() {
    const body = `cut off by a reload ${config.run}`;
    const sidOf = (_converse) => _converse.api.connection.get()._proto.sid;
    const sidBefore = await inPage(sidOf);
    let cutOff = 0;
    await page.route(config.boshUrl, (route) => {
        if ((route.request().postData() || '').includes(body)) {
            cutOff++;
            return route.abort('connectionreset');
        }
        return route.continue();
    });
    try {
        await inPage(async (_converse, [to, text]) => {
            const chat = await _converse.api.chats.open(to, {}, true);
            await chat.sendMessage({ body: text });
        }, [config.peer, body]);
        const deadline = Date.now() + millis;
        while (cutOff === 0 && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 5));
        }
        const started = Date.now();
        await page.reload({ waitUntil: 'load' });
        await page.waitForFunction(() => window.probe && window.probe.api, null, { timeout: 120000 });
        await page.waitForFunction(() => window.probe.api.connection.connected()
            && window.probe.api.connection.get().authenticated, null, { timeout: 120000, polling: 50 });
        const millisToConnected = Date.now() - started;
        const after = `after the cut-off reload ${config.run}`;
        await inPage(async (_converse, [to, text]) => {
            const chat = await _converse.api.chats.open(to, {}, true);
            await chat.sendMessage({ body: text });
        }, [config.peer, after]);
        await peer.inbox.waitFor((s) => s.kind === 'message' && s.body === after,
            'the peer to get the message converse sent after the reload');
        const millisToMessage = Date.now() - started;
        const sidAfter = await inPage(sidOf);
        return { cutOff, millisToConnected, millisToMessage, sameSession: sidAfter === sidBefore };
    } finally {
        await page.unroute(config.boshUrl);
    }
}
