// Pieces the library adapters share.
import { Inbox } from '../lib.mjs';

export const NS_MAM = 'urn:xmpp:mam:2';
export const NS_MUC = 'http://jabber.org/protocol/muc';
export const NS_SM = 'urn:xmpp:sm:3';

/**
 * The raw elements a library hands its application (its own debugging hook), kept so the stream management step
 * can see the server's <a h='…'/> answer as the library received it.
 */
export class RawInput {
    constructor(millis) {
        this.chunks = new Inbox(millis);
    }

    add(text) {
        this.chunks.add({ index: this.chunks.items.length, text: String(text) });
    }

    /** The h of the first <a/> received after `mark` (an index into what was received so far). */
    async ackAfter(mark, what) {
        const chunk = await this.chunks.waitFor((c) => c.index >= mark && /<a\s[^>]*\bh=['"]\d+['"]/.test(c.text)
            && c.text.includes(NS_SM), what);
        return Number(/<a\s[^>]*\bh=['"](\d+)['"]/.exec(chunk.text)[1]);
    }

    mark() {
        return this.chunks.items.length;
    }
}
