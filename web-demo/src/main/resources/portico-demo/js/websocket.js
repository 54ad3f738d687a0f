/*
 * Portico demo: WebSocket transport (RFC 7395) with Portico's resume extension.
 *
 * Framing: every WebSocket text message is one complete element; the stream is opened with <open/> and
 * closed with <close/> in urn:ietf:params:xml:ns:xmpp-framing; a stream restart is a new <open/> (§3.7).
 *
 * Resume extension (namespace urn:portico:resume:0), used when the page reloads or the socket drops:
 *  - every <open/> from the server carries resume:token='T';
 *  - both sides count the top-level elements they receive in the session, <open/> and <close/> excepted;
 *  - to resume, the client opens a new socket and sends
 *      <open ... xmlns:resume='urn:portico:resume:0' resume:token='T' resume:h='N'/>
 *    where N is how many elements it has received;
 *  - success: <open ... resume:resumed='true' resume:h='M' resume:token='T2'/>, M being how many elements
 *    the server has received; the client resends the ones it sent after M and the server sends the ones
 *    after N. Anything else (a plain <open/>) means the session is gone: log in again.
 *
 * Callbacks set by the owner (XmppClient): onStreamStart(info), onElement(element), onClosed(info),
 * onWire(direction, text, note).
 */
(function (global) {
  'use strict';
  var P = global.PorticoDemo = global.PorticoDemo || {};
  var X = P.xml;
  var NS = P.NS;

  /* Sent elements kept for a resume; older ones are dropped (and reported as lost if the server missed them). */
  var SENT_LOG_LIMIT = 500;

  function WebSocketTransport(options) {
    this.url = options.url;
    this.domain = options.domain;
    this.lang = options.lang || 'en';
    this.ws = null;
    this.state = 'idle';     // idle | opening | open | closing | closed
    this.token = null;       // latest resume token from the server's <open/>
    this.received = 0;       // elements received in this session (N)
    this.sent = 0;           // elements sent in this session
    this.sentLog = [];       // [{ n, text }] of the last SENT_LOG_LIMIT sent elements
    this.unloading = false;
    this.pendingResume = null;
    this.onStreamStart = function () {};
    this.onElement = function () {};
    this.onClosed = function () {};
    this.onWire = function () {};
  }

  WebSocketTransport.prototype.kind = 'websocket';

  WebSocketTransport.prototype.toString = function () {
    return 'WebSocket[state=' + this.state + ' sent=' + this.sent + ' received=' + this.received + ']';
  };

  WebSocketTransport.prototype.openElement = function (extra) {
    return "<open xmlns='" + NS.FRAMING + "' to='" + X.escapeAttr(this.domain) + "' version='1.0' xml:lang='" +
      X.escapeAttr(this.lang) + "'" + (extra || '') + '/>';
  };

  WebSocketTransport.prototype.connect = function () {
    this.openSocket(this.openElement(''));
  };

  WebSocketTransport.prototype.openSocket = function (firstMessage) {
    var self = this;
    this.state = 'opening';
    var ws;
    try {
      ws = new WebSocket(this.url, 'xmpp');
    } catch (e) {
      this.finish('Could not connect to ' + this.url + ': ' + e.message, true);
      return;
    }
    this.ws = ws;
    var opened = false;
    ws.onopen = function () {
      if (self.ws !== ws) {
        return;
      }
      opened = true;
      // RFC 7395 §3.1: without the 'xmpp' subprotocol in the answer the client must close.
      if (typeof ws.protocol === 'string' && ws.protocol !== '' && ws.protocol !== 'xmpp') {
        self.finish('Could not connect to ' + self.url + ": the server chose subprotocol '" + ws.protocol +
          "', not 'xmpp'", true);
        ws.close();
        return;
      }
      self.rawSend(firstMessage);
    };
    ws.onmessage = function (event) {
      if (self.ws === ws) {
        self.messageArrived(String(event.data));
      }
    };
    ws.onerror = function () {
      // The close event follows with the details a browser is willing to give.
    };
    ws.onclose = function (event) {
      if (self.ws !== ws || self.unloading) {
        return;
      }
      self.ws = null;
      if (self.state === 'closing' || self.state === 'closed') {
        self.finish('logged out', false);
        return;
      }
      var why = opened ? 'the connection closed (code ' + event.code + (event.reason ? ', ' + event.reason : '') + ')'
        : 'the WebSocket handshake failed (is the server running, and does it allow this origin?)';
      if (self.pendingResume) {
        var pr = self.pendingResume;
        self.pendingResume = null;
        self.state = 'closed';
        pr.reject(new Error('Could not connect to ' + self.url + ': ' + why));
        return;
      }
      self.finish((opened ? 'Lost connection to ' : 'Could not connect to ') + self.url + ': ' + why, true,
        opened && self.token !== null);
    };
  };

  WebSocketTransport.prototype.rawSend = function (text, note) {
    this.onWire('out', text, note || '');
    this.ws.send(text);
  };

  /* Sends elements; each is one WebSocket message that declares its own namespace (§3.3.3). */
  WebSocketTransport.prototype.send = function (elements) {
    var self = this;
    elements.forEach(function (e) {
      var text = typeof e === 'string' ? e : X.serialize(e, null);
      self.sent++;
      self.sentLog.push({ n: self.sent, text: text });
      if (self.sentLog.length > SENT_LOG_LIMIT) {
        self.sentLog.shift();
      }
      if (self.ws && self.state === 'open') {
        self.rawSend(text);
      }
      // When the socket is down the element waits in sentLog and is resent after a resume.
    });
  };

  /* RFC 7395 §3.7: after SASL the client opens a new stream with a new <open/>, never a <close/>. */
  WebSocketTransport.prototype.restart = function () {
    this.rawSend(this.openElement(''));
  };

  WebSocketTransport.prototype.disconnect = function (finalElements) {
    if (!this.ws || this.state !== 'open') {
      this.finish('logged out', false);
      return;
    }
    if (finalElements && finalElements.length) {
      this.send(finalElements);
    }
    this.state = 'closing';
    this.rawSend("<close xmlns='" + NS.FRAMING + "'/>");
    var ws = this.ws;
    var self = this;
    // §3.6: wait for the server's <close/>, then close the socket; don't wait forever.
    setTimeout(function () {
      if (self.ws === ws) {
        ws.close();
        self.finish('logged out', false);
      }
    }, 3000);
  };

  WebSocketTransport.prototype.messageArrived = function (text) {
    var root;
    try {
      root = X.parse(text);
    } catch (e) {
      this.onWire('in', text, '');
      this.finish('The server sent XML that is not well-formed', true);
      return;
    }
    if (root.namespaceURI === NS.FRAMING && root.localName === 'open') {
      this.onWire('in', text, 'stream open');
      this.streamOpened(root);
      return;
    }
    if (root.namespaceURI === NS.FRAMING && root.localName === 'close') {
      this.onWire('in', text, 'stream close');
      var seeOther = root.getAttribute('see-other-uri');
      if (this.ws) {
        this.ws.close();
      }
      this.ws = null;
      if (this.state === 'closing') {
        this.finish('logged out', false);
      } else {
        this.finish(seeOther ? 'The server asked to reconnect at ' + seeOther + ' (see-other-uri)' :
          'The server closed the stream', true);
      }
      return;
    }
    this.received++;
    this.onWire('in', text, '');
    this.onElement(root);
  };

  WebSocketTransport.prototype.streamOpened = function (open) {
    var token = X.attrNs(open, NS.RESUME, 'token');
    var resumed = X.attrNs(open, NS.RESUME, 'resumed') === 'true';
    if (this.pendingResume) {
      var pr = this.pendingResume;
      this.pendingResume = null;
      if (resumed) {
        if (token) {
          this.token = token;
        }
        this.state = 'open';
        pr.resolve(this.resendAfter(Number(X.attrNs(open, NS.RESUME, 'h'))));
      } else {
        // A new stream means the old session is gone; close this one politely, the user logs in again.
        this.state = 'closing';
        this.rawSend("<close xmlns='" + NS.FRAMING + "'/>");
        this.ws.close();
        this.ws = null;
        this.state = 'closed';
        pr.reject(new Error('the server no longer knows this session (it answered with a new stream)'));
      }
      return;
    }
    this.token = token || null;
    this.state = 'open';
    this.onStreamStart({
      transport: 'websocket',
      id: open.getAttribute('id'),
      from: open.getAttribute('from'),
      version: open.getAttribute('version'),
      resumable: !!token
    });
  };

  /* After a successful resume: resend what the server did not get (after M). */
  WebSocketTransport.prototype.resendAfter = function (m) {
    var self = this;
    var toSend = this.sentLog.filter(function (entry) {
      return entry.n > m;
    });
    var oldestKept = this.sentLog.length ? this.sentLog[0].n : this.sent + 1;
    var lost = m + 1 < oldestKept ? oldestKept - m - 1 : 0;
    toSend.forEach(function (entry) {
      self.rawSend(entry.text, 'resent after resume');
    });
    return {
      transport: 'websocket',
      serverReceived: m,
      clientSent: this.sent,
      resent: toSend.length,
      lost: lost
    };
  };

  WebSocketTransport.prototype.finish = function (reason, isError, resumable) {
    if (this.state === 'closed') {
      return;
    }
    this.state = 'closed';
    this.onClosed({ reason: reason, error: !!isError, resumable: !!resumable });
  };

  /* Page unload: nothing to send (the browser closes the socket); remember what a resume needs. */
  WebSocketTransport.prototype.saveForReload = function () {
    this.unloading = true;
    if (this.state !== 'open') {
      return null;
    }
    return {
      kind: 'websocket',
      url: this.url,
      domain: this.domain,
      lang: this.lang,
      token: this.token,
      received: this.received,
      sent: this.sent,
      sentLog: this.sentLog.slice(-200)
    };
  };

  WebSocketTransport.fromSaved = function (saved) {
    var t = new WebSocketTransport({ url: saved.url, domain: saved.domain, lang: saved.lang });
    t.token = saved.token;
    t.received = saved.received;
    t.sent = saved.sent;
    t.sentLog = saved.sentLog || [];
    return t;
  };

  /*
   * Resumes on a new socket. Resolves with { serverReceived, clientSent, resent, lost } once the server
   * confirmed; rejects when it refused or could not be reached. firstElements are sent right after.
   */
  WebSocketTransport.prototype.resume = function (firstElements) {
    var self = this;
    if (!this.token) {
      return Promise.reject(new Error('the server offered no resume token'));
    }
    return new Promise(function (resolve, reject) {
      self.pendingResume = { resolve: resolve, reject: reject };
      self.openSocket(self.openElement(" xmlns:resume='" + NS.RESUME + "' resume:token='" +
        X.escapeAttr(self.token) + "' resume:h='" + self.received + "'"));
    }).then(function (result) {
      if (firstElements && firstElements.length) {
        self.send(firstElements);
      }
      return result;
    });
  };

  P.WebSocketTransport = WebSocketTransport;
}(this));
