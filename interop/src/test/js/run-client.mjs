// Drives one JavaScript XMPP library over one of Portico's transports through the behaviours the interop suite
// checks, against a peer connected straight to Prosody:
//
//   node run-client.mjs <strophe|stanza|xmppjs> <bosh|websocket>
//
// Settings come from the environment (see lib.mjs). Each behaviour prints one JSON line with what was observed,
// or with "error" when it could not be observed; JsClientInteropTest asserts on those lines. The exit status is 0
// whenever the report is complete, so a failing behaviour is reported by its own test, not as a crashed script.
import { settings, report, log, Inbox, startPeer, stopPeer, peerCreatesRoom } from './lib.mjs';
import { xml } from '@xmpp/client';

const [clientName, transport] = process.argv.slice(2);
const config = settings();
const { create } = await import(`./clients/${clientName}.mjs`);

const inbox = new Inbox(config.stepMillis);
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

const since = new Date(Date.now() - 1000).toISOString();
const peer = await startPeer(config, `peer-${clientName}-${transport}`);
const client = create(config, transport, inbox);
const room = config.room;
let jid;

await step('login', async () => {
    jid = await client.login(`${clientName}-${transport}`);
    return { jid };
});
await step('roster', async () => ({ contacts: await client.roster() }));
await step('presence-out', async () => {
    const status = `client ${config.run}`;
    await client.sendPresence(status);
    const seen = await peer.inbox.waitFor((s) => s.kind === 'presence' && s.from === jid && s.status === status,
        `the peer to see the client's presence "${status}"`);
    return { from: seen.from, type: seen.type, status: seen.status };
});
await step('presence-in', async () => {
    const status = `peer ${config.run} again`;
    await peer.send(xml('presence', {}, xml('status', {}, status)));
    const seen = await inbox.waitFor((s) => s.kind === 'presence' && s.from === peer.fullJid && s.status === status,
        `the client to see the peer's presence "${status}"`);
    return { from: seen.from, type: seen.type, status: seen.status };
});
await step('message-out', async () => {
    const body = `out ${config.run}`;
    await client.sendMessage(config.peer, 'chat', body);
    const seen = await peer.inbox.waitFor((s) => s.kind === 'message' && s.body === body,
        `the peer to receive "${body}"`);
    return { from: seen.from, type: seen.type, body: seen.body };
});
await step('message-in', async () => {
    const body = `in ${config.run}`;
    await peer.send(xml('message', { to: jid, type: 'chat' }, xml('body', {}, body)));
    const seen = await inbox.waitFor((s) => s.kind === 'message' && s.body === body,
        `the client to receive "${body}"`);
    return { from: seen.from, type: seen.type, body: seen.body };
});
await step('muc-join', async () => {
    await peerCreatesRoom(peer, room, 'peer');
    await client.joinRoom(room, 'client');
    const seen = await inbox.waitFor((s) => s.kind === 'presence' && s.from === `${room}/client`
        && s.codes.includes('110'), `the client's own presence in ${room}`);
    return { from: seen.from, codes: seen.codes };
});
await step('groupchat-out', async () => {
    const body = `groupchat out ${config.run}`;
    await client.sendMessage(room, 'groupchat', body);
    const seen = await peer.inbox.waitFor((s) => s.kind === 'message' && s.body === body,
        `the peer to receive "${body}" in the room`);
    return { from: seen.from, type: seen.type, body: seen.body };
});
await step('groupchat-in', async () => {
    const body = `groupchat in ${config.run}`;
    await peer.send(xml('message', { to: room, type: 'groupchat' }, xml('body', {}, body)));
    const seen = await inbox.waitFor((s) => s.kind === 'message' && s.body === body,
        `the client to receive "${body}" in the room`);
    return { from: seen.from, type: seen.type, body: seen.body };
});
// the archive keeps earlier runs' messages too: ask only for this run's (started before the peer logged in)
await step('mam', async () => ({ bodies: await client.archive(config.peer, since) }));
if (client.streamManagement(transport)) {
    await step('stream-management', async () => client.checkStreamManagement(config.peer, `acked ${config.run}`));
}
await step('disconnect', async () => {
    await client.logout();
    const seen = await peer.inbox.waitFor((s) => s.kind === 'presence' && s.from === jid
        && s.type === 'unavailable', `the peer to see ${jid} go unavailable`);
    return { from: seen.from, type: seen.type };
});

await stopPeer(peer);
report('done', {});
process.exit(0);
