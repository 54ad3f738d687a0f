package org.portico.demo;

/**
 * JavaScript the tests run inside the page, the same in HtmlUnit and Chromium (ES5: HtmlUnit's engine rejects
 * newer syntax, which the page avoids too).
 */
final class PageScripts {

    /**
     * Records every value each chat message's {@code data-status} had before it changed, in order, into
     * {@code window.porticoTestStatuses[id]}. Polling the DOM could miss a status that lasts a few milliseconds
     * ({@code acked} followed at once by {@code delivered}); a MutationObserver's old values see them all, however
     * the browser batches its records (HtmlUnit delivers them later and one by one, so the node's value at
     * callback time says nothing about the order).
     */
    static final String RECORD_MESSAGE_STATUSES = """
            (function () {
              var log = window.porticoTestStatuses = window.porticoTestStatuses || {};
              new MutationObserver(function (records) {
                records.forEach(function (r) {
                  var id = r.target.getAttribute('data-id');
                  if (id && r.oldValue && r.target.classList.contains('message')) {
                    (log[id] = log[id] || []).push(r.oldValue);
                  }
                });
              }).observe(document.getElementById('messages'), { subtree: true, attributes: true,
                attributeOldValue: true, attributeFilter: ['data-status'] });
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
