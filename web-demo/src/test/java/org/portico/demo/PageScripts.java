package org.portico.demo;

/**
 * JavaScript the tests run inside the page, the same in HtmlUnit and Chromium (ES5: HtmlUnit's engine rejects
 * newer syntax, which the page avoids too).
 */
final class PageScripts {

    /**
     * Records every value each chat message's {@code data-status} had before it changed, in order, into
     * {@code window.porticoTestStatuses[id]}, at the moment it changes. Polling the DOM could miss a status that
     * lasts a few milliseconds ({@code acked} followed at once by {@code delivered}). A MutationObserver would see
     * them all in a browser, but not in HtmlUnit 4: it queues each record as a "postponed action" of the thread
     * whose script changed the DOM and runs it only when that thread finishes its next script. After a BOSH response
     * whose script set {@code delivered} and then {@code displayed}, the test read {@code pending acked displayed};
     * a second later, on the next response, the observer delivered {@code acked → delivered} and
     * {@code delivered → displayed} (measured: 3 of 15 sends). The page had gone through every status in order; the
     * record had not arrived yet. So the recorder wraps {@code Element.setAttribute}, which the page's renderer
     * ({@code ui.morph}) calls on the live element for each change, and records synchronously in both browsers.
     * Elements not in the document (the fresh copies the renderer builds to compare with) are not recorded.
     */
    static final String RECORD_MESSAGE_STATUSES = """
            (function () {
              var log = window.porticoTestStatuses = window.porticoTestStatuses || {};
              var messages = document.getElementById('messages');
              var set = Element.prototype.setAttribute;
              Element.prototype.setAttribute = function (name, value) {
                var id = this.getAttribute('data-id');
                var old = this.getAttribute(name);
                if (name === 'data-status' && id && old && old !== String(value)
                    && this.classList.contains('message') && messages.contains(this)) {
                  (log[id] = log[id] || []).push(old);
                }
                return set.call(this, name, value);
              };
              return null;
            }())
            """;

    /**
     * The statuses one message went through since recording began, joined with spaces: the recorded old values,
     * then the value it has now.
     */
    static String recordedStatuses(String messageId) {
        return """
                (function (id) {
                  var seen = (window.porticoTestStatuses && window.porticoTestStatuses[id] || []).slice();
                  var li = document.querySelector("#messages .message[data-id='" + id + "']");
                  if (li) {
                    seen.push(li.getAttribute('data-status'));
                  }
                  return seen.filter(function (s, i) { return i === 0 || s !== seen[i - 1]; }).join(' ');
                }(%s))
                """.formatted(DemoTab.js(messageId));
    }

    private PageScripts() {
    }
}
