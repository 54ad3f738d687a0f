/*
 * Portico demo: BOSH transport (XEP-0124 + XEP-0206).
 *
 * One object per BOSH session. It owns the rid sequence, keeps at most 'requests' HTTP requests open,
 * processes responses strictly in rid order, and tells the connection manager which responses it has
 * processed ('ack'). It resends a request byte for byte when its connection breaks or when the
 * connection manager reports a missing response ('report'). On page unload it pauses the session (only
 * if the connection manager advertised 'maxpause') and hands its state to the page, which restores it
 * after the reload by continuing with the next rid.
 *
 * Callbacks set by the owner (XmppClient): onStreamStart(info), onElement(element), onClosed(reason),
 * onWire(direction, text, note).
 */
(function (global) {
  'use strict';
  var P = global.PorticoDemo = global.PorticoDemo || {};
  var X = P.xml;
  var NS = P.NS;

  var MAX_RETRIES = 3;
  var MAX_RID = 9007199254740991; // 2^53 - 1, XEP-0124 §14.1

  function randomRid() {
    // Leave room for a long session below 2^53-1; never start at a tiny, guessable value.
    var buf = new Uint32Array(2);
    global.crypto.getRandomValues(buf);
    return (buf[0] % 0x1fffff) * 0x100000000 + buf[1] % 0x10000000 + 1;
  }

  function BoshTransport(options) {
    this.url = options.url;
    this.domain = options.domain;
    this.lang = options.lang || 'en';
    this.wait = options.wait || 60;
    this.hold = 1;
    this.requests = 2;
    this.sid = null;
    this.rid = randomRid();     // next rid to use
    this.ackRid = null;         // highest rid whose response, and every earlier one, we processed
    this.nextToProcess = null;  // responses are handled strictly in rid order from here
    this.skipped = {};          // restored rids whose responses we wait for only if the CM reports them
    this.ignored = {};          // restored rids with nothing to process (the pause request, §10)
    this.received = {};         // rid -> response text waiting for its turn
    this.inFlight = {};         // rid -> { xhr, body, kind, retries }
    this.bodies = {};           // rid -> request body, kept until its response has been processed
    this.queue = [];            // serialized elements waiting for a request
    this.state = 'idle';        // idle | creating | open | closing | closed
    this.maxpause = null;
    this.inactivity = null;
    this.polling = null;
    this.cmAcks = false;
    this.cmAck = null;
    this.unloading = false;
    this.restartPending = false;
    this.onStreamStart = function () {};
    this.onElement = function () {};
    this.onClosed = function () {};
    this.onWire = function () {};
  }

  BoshTransport.prototype.kind = 'bosh';

  BoshTransport.prototype.toString = function () {
    return 'BOSH[sid=' + this.sid + ' rid=' + this.rid + ' inFlight=' + Object.keys(this.inFlight).length + ']';
  };

  /* XEP-0124 §7.1 + XEP-0206 §3: the session creation request. */
  BoshTransport.prototype.connect = function () {
    this.state = 'creating';
    var rid = this.nextRid();
    this.nextToProcess = rid;
    var body = "<body content='text/xml; charset=utf-8' hold='" + this.hold + "' rid='" + rid +
      "' to='" + X.escapeAttr(this.domain) + "' ver='1.11' wait='" + this.wait + "' ack='1'" +
      " xml:lang='" + X.escapeAttr(this.lang) + "' xmpp:version='1.0'" +
      " xmlns='" + NS.HTTPBIND + "' xmlns:xmpp='" + NS.XBOSH + "'/>";
    this.post(rid, body, 'create');
  };

  BoshTransport.prototype.nextRid = function () {
    var rid = this.rid;
    if (rid >= MAX_RID) {
      throw new Error('BOSH rid space exhausted');
    }
    this.rid = rid + 1;
    return rid;
  };

  /* Queues elements (DOM) and sends them in the next request. */
  BoshTransport.prototype.send = function (elements) {
    var self = this;
    elements.forEach(function (e) {
      self.queue.push(typeof e === 'string' ? e : X.serialize(e, NS.HTTPBIND));
    });
    this.pump();
  };

  /* XEP-0206 §5: stream restart after SASL, an empty body with xmpp:restart='true'. */
  BoshTransport.prototype.restart = function () {
    this.restartPending = true;
    this.pump();
  };

  /* XEP-0124 §13: terminate, carrying the final elements (e.g. unavailable presence). */
  BoshTransport.prototype.disconnect = function (finalElements) {
    if (this.state !== 'open') {
      this.finish('logged out');
      return;
    }
    var payload = (finalElements || []).map(function (e) {
      return X.serialize(e, NS.HTTPBIND);
    }).join('');
    this.queue = [];
    this.state = 'closing';
    var rid = this.nextRid();
    this.post(rid, this.wrap(rid, " type='terminate'", payload), 'terminate');
  };

  BoshTransport.prototype.wrap = function (rid, extraAttrs, payload) {
    var attrs = " rid='" + rid + "' sid='" + X.escapeAttr(this.sid) + "'";
    if (this.ackRid !== null && this.ackRid !== rid - 1) {
      attrs += " ack='" + this.ackRid + "'";
    }
    var head = '<body' + attrs + (extraAttrs || '') + " xmlns='" + NS.HTTPBIND + "'";
    return payload ? head + '>' + payload + '</body>' : head + '/>';
  };

  BoshTransport.prototype.inFlightCount = function () {
    return Object.keys(this.inFlight).length;
  };

  /*
   * Decides whether to open a request now: data (or a restart) goes out as soon as fewer than 'requests'
   * are open; otherwise keep exactly one request held at the connection manager so it can push to us.
   */
  BoshTransport.prototype.pump = function () {
    if (this.state !== 'open' || this.unloading) {
      return;
    }
    var open = this.inFlightCount();
    if (open >= this.requests) {
      return;
    }
    var rid;
    if (this.restartPending) {
      this.restartPending = false;
      rid = this.nextRid();
      this.post(rid, this.wrap(rid, " to='" + X.escapeAttr(this.domain) + "' xml:lang='" + X.escapeAttr(this.lang) +
        "' xmpp:restart='true' xmlns:xmpp='" + NS.XBOSH + "'", ''), 'restart');
      return;
    }
    if (this.queue.length > 0) {
      var payload = this.queue.join('');
      this.queue = [];
      rid = this.nextRid();
      this.post(rid, this.wrap(rid, '', payload), 'normal');
      return;
    }
    if (open === 0) {
      rid = this.nextRid();
      this.post(rid, this.wrap(rid, '', ''), 'normal');
    }
  };

  BoshTransport.prototype.post = function (rid, body, kind) {
    var self = this;
    var entry = this.inFlight[rid] || { body: body, kind: kind, retries: 0 };
    this.inFlight[rid] = entry;
    if (kind !== 'create') {
      this.bodies[rid] = body;
    }
    var xhr = new XMLHttpRequest();
    entry.xhr = xhr;
    entry.sentAt = Date.now();
    xhr.open('POST', this.url, true);
    xhr.setRequestHeader('Content-Type', 'text/xml; charset=utf-8');
    // A held request returns within 'wait'; allow for network delay before calling it broken (§14.3).
    xhr.timeout = (this.wait + 20) * 1000;
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4 || entry.xhr !== xhr || self.unloading) {
        return;
      }
      if (xhr.status === 200) {
        self.responseArrived(rid, xhr.responseText);
      } else {
        self.requestFailed(rid, xhr.status ? 'HTTP ' + xhr.status + (xhr.statusText ? ' ' + xhr.statusText : '') :
          'network error (no response; is the server running, and does it allow this origin?)');
      }
    };
    xhr.ontimeout = function () {
      if (entry.xhr === xhr && !self.unloading) {
        self.requestFailed(rid, 'no response within ' + (self.wait + 20) + ' s');
      }
    };
    this.onWire('out', body, entry.retries ? 'rid ' + rid + ' (resent)' : 'rid ' + rid);
    xhr.send(body);
  };

  /* §14.3 broken connections: resend the same rid, byte for byte, a few times before giving up. */
  BoshTransport.prototype.requestFailed = function (rid, reason) {
    var entry = this.inFlight[rid];
    if (!entry || this.state === 'closed') {
      return;
    }
    // HTTP 400/403/404 are terminal errors for legacy clients (XEP-0124 §17.1); a creation failure is final.
    var terminal = entry.kind === 'create' || /^HTTP (400|403|404)/.test(reason);
    if (terminal || entry.retries >= MAX_RETRIES) {
      delete this.inFlight[rid];
      this.finish('Could not connect to ' + this.url + ': ' + reason, true);
      return;
    }
    entry.retries++;
    var self = this;
    setTimeout(function () {
      if (self.inFlight[rid] === entry && self.state !== 'closed' && !self.unloading) {
        self.post(rid, entry.body, entry.kind);
      }
    }, 500 * Math.pow(2, entry.retries));
  };

  BoshTransport.prototype.responseArrived = function (rid, text) {
    var entry = this.inFlight[rid];
    delete this.inFlight[rid];
    var body;
    try {
      body = X.parse(text);
    } catch (e) {
      this.onWire('in', text, 'rid ' + rid);
      this.finish('Could not connect to ' + this.url + ': the response is not a BOSH <body/> (' + e.message + ')', true);
      return;
    }
    this.onWire('in', text, 'rid ' + rid);
    if (body.localName !== 'body') {
      this.finish('Could not connect to ' + this.url + ': the response is not a BOSH <body/>', true);
      return;
    }
    var type = body.getAttribute('type');
    if (type === 'terminate') {
      this.handleTerminate(body, entry);
      return;
    }
    if (type === 'error') {
      // §17.3 recoverable binding error: this request and every other still unanswered are sent again. This one
      // must go back among them first: a logout's terminate that waited for a gap in the rids past its wait got
      // this answer, and was never sent again ("Logging out…" for good).
      if (entry) {
        this.inFlight[rid] = entry;
      }
      this.resendOpen();
      return;
    }
    if (entry && entry.kind === 'create') {
      this.sessionCreated(body);
    }
    var cmAck = body.getAttribute('ack');
    if (cmAck !== null) {
      this.cmAck = Number(cmAck);
    }
    var report = body.getAttribute('report');
    if (report !== null) {
      this.resendReported(Number(report));
    }
    if (entry && entry.kind === 'terminate') {
      this.finish('logged out');
      return;
    }
    this.received[rid] = body;
    this.processInOrder();
    this.pump();
  };

  BoshTransport.prototype.sessionCreated = function (body) {
    this.sid = body.getAttribute('sid');
    var num = function (name, fallback) {
      var v = body.getAttribute(name);
      return v === null || v === '' ? fallback : Number(v);
    };
    this.wait = num('wait', this.wait);
    this.hold = num('hold', this.hold);
    this.requests = Math.max(1, num('requests', this.hold + 1));
    this.inactivity = num('inactivity', null);
    this.maxpause = num('maxpause', null);
    this.polling = num('polling', null);
    this.cmAcks = body.getAttribute('ack') !== null;
    this.state = 'open';
    this.onStreamStart({
      transport: 'bosh',
      sid: this.sid,
      wait: this.wait,
      hold: this.hold,
      requests: this.requests,
      inactivity: this.inactivity,
      maxpause: this.maxpause,
      ver: body.getAttribute('ver'),
      from: body.getAttribute('from'),
      restartLogic: X.attrNs(body, NS.XBOSH, 'restartlogic') === 'true'
    });
  };

  /* Hands payloads to the client in rid order, whatever order the HTTP responses came back in. */
  BoshTransport.prototype.processInOrder = function () {
    while (this.nextToProcess !== null) {
      var rid = this.nextToProcess;
      if (this.received[rid]) {
        var body = this.received[rid];
        delete this.received[rid];
        delete this.bodies[rid];
        this.nextToProcess = rid + 1;
        if (this.ackRid === null || this.ackRid === rid - 1) {
          this.ackRid = rid;
        }
        this.deliver(body);
        if (this.state === 'closed') {
          return;
        }
      } else if (this.skipped[rid] || this.ignored[rid]) {
        this.nextToProcess = rid + 1;
      } else {
        break;
      }
    }
    // Late answers to reported (skipped) rids are delivered when they arrive.
    var self = this;
    Object.keys(this.received).forEach(function (key) {
      var r = Number(key);
      if (r < self.nextToProcess) {
        var late = self.received[key];
        delete self.received[key];
        delete self.bodies[r];
        delete self.skipped[r];
        self.deliver(late);
      }
    });
    this.advanceAck();
  };

  BoshTransport.prototype.advanceAck = function () {
    while (this.ackRid !== null && this.ackRid + 1 < this.nextToProcess && !this.skipped[this.ackRid + 1] &&
        !this.received[this.ackRid + 1]) {
      this.ackRid++;
    }
  };

  BoshTransport.prototype.deliver = function (body) {
    var kids = body.childNodes;
    for (var i = 0; i < kids.length; i++) {
      if (kids[i].nodeType === 1) {
        this.onElement(kids[i]);
        if (this.state === 'closed') {
          return;
        }
      }
    }
  };

  /* §9.2: the connection manager says the response to 'report' never reached us; ask for it again. */
  BoshTransport.prototype.resendReported = function (rid) {
    var body = this.bodies[rid];
    if (body && !this.inFlight[rid]) {
      this.onWire('note', '', 'connection manager reported a missing response for rid ' + rid + '; resending it');
      this.post(rid, body, 'normal');
    }
  };

  BoshTransport.prototype.resendOpen = function () {
    var self = this;
    Object.keys(this.inFlight).forEach(function (key) {
      var entry = self.inFlight[key];
      if (entry.xhr) {
        entry.xhr.onreadystatechange = null;
        entry.xhr.abort();
      }
      self.post(Number(key), entry.body, entry.kind);
    });
  };

  BoshTransport.prototype.handleTerminate = function (body, entry) {
    // After our terminate request, the connection manager answers the oldest held request with
    // type='terminate' too (XEP-0124 §13): that is the end we asked for, not an error.
    if (this.state === 'closing' || entry && entry.kind === 'terminate') {
      this.finish('logged out');
      return;
    }
    var condition = body.getAttribute('condition') || 'undefined-condition';
    var streamError = X.child(body, 'error', NS.STREAMS);
    // XEP-0206 §6: stanzas before a remote stream error still reach the client.
    this.deliver(body);
    var detail = condition;
    if (streamError && streamError.firstChild) {
      detail += ' (' + (streamError.firstChild.localName || '') + ')';
    }
    this.finish('BOSH session terminated by the server: ' + detail, true, condition);
  };

  BoshTransport.prototype.finish = function (reason, isError, condition) {
    if (this.state === 'closed') {
      return;
    }
    this.state = 'closed';
    var self = this;
    Object.keys(this.inFlight).forEach(function (key) {
      var xhr = self.inFlight[key].xhr;
      if (xhr) {
        xhr.onreadystatechange = null;
        xhr.abort();
      }
    });
    this.inFlight = {};
    this.onClosed({ reason: reason, error: !!isError, condition: condition || null });
  };

  /*
   * Page unload: pause the session if the connection manager allows it (XEP-0124 §10), then return what
   * the next page needs to continue: sid, the next rid, what we acknowledged, and the bodies of requests
   * whose responses we have not processed (so a 'report' can be answered after the reload).
   */
  BoshTransport.prototype.saveForReload = function () {
    if (this.state !== 'open') {
      return null;
    }
    this.unloading = true;
    var pauseRid = null;
    if (this.maxpause) {
      pauseRid = this.nextRid();
      var pause = Math.min(this.maxpause, 300);
      var body = this.wrap(pauseRid, " pause='" + pause + "'", '');
      this.onWire('out', body, 'rid ' + pauseRid + ' (pause)');
      sendDuringUnload(this.url, body);
    }
    // Every request whose response we have not processed, answered or not: the next page may need it.
    var unanswered = {};
    var self = this;
    Object.keys(this.bodies).forEach(function (key) {
      unanswered[key] = self.bodies[key];
    });
    return {
      kind: 'bosh',
      url: this.url,
      domain: this.domain,
      lang: this.lang,
      sid: this.sid,
      rid: this.rid,
      ackRid: this.ackRid,
      nextToProcess: this.nextToProcess,
      pauseRid: pauseRid,
      unanswered: unanswered,
      queue: this.queue.slice(),
      wait: this.wait,
      hold: this.hold,
      requests: this.requests,
      inactivity: this.inactivity,
      maxpause: this.maxpause,
      cmAcks: this.cmAcks
    };
  };

  /* sendBeacon survives the unload; its text/plain content type needs no CORS preflight (XEP-0124 §5 says
   * the connection manager ignores Content-Type). Without it, a synchronous XHR. */
  function sendDuringUnload(url, body) {
    try {
      if (global.navigator && typeof global.navigator.sendBeacon === 'function') {
        if (global.navigator.sendBeacon(url, new Blob([body], { type: 'text/plain;charset=UTF-8' }))) {
          return;
        }
      }
    } catch (e) {
      // fall through to a synchronous request
    }
    try {
      var xhr = new XMLHttpRequest();
      xhr.open('POST', url, false);
      xhr.setRequestHeader('Content-Type', 'text/xml; charset=utf-8');
      xhr.send(body);
    } catch (e2) {
      // The page is going away; the connection manager's inactivity timer will decide.
    }
  }

  /* Rebuilds the transport on the new page from saveForReload()'s result. */
  BoshTransport.fromSaved = function (saved) {
    var t = new BoshTransport({ url: saved.url, domain: saved.domain, lang: saved.lang, wait: saved.wait });
    t.sid = saved.sid;
    t.rid = saved.rid;
    t.ackRid = saved.ackRid;
    t.hold = saved.hold;
    t.requests = saved.requests;
    t.inactivity = saved.inactivity;
    t.maxpause = saved.maxpause;
    t.cmAcks = saved.cmAcks;
    t.queue = saved.queue || [];
    t.bodies = {};
    t.saved = saved;
    return t;
  };

  /*
   * Continues the session after a reload: the next request simply uses the next rid (as Strophe's
   * keepalive does) and carries 'ack' so the connection manager can 'report' a response we lost.
   * Requests that were never answered are resent first, with their own rid and bytes, since the browser
   * may have cut them off before they reached the server (§14.3), and the connection manager processes
   * every later rid, the pause included, only after them (§14.2). With acks the connection manager keeps
   * every response we have not acknowledged, so even an empty poll can be resent safely; without acks an
   * empty poll is not resent, and its rid is skipped unless the connection manager reports it.
   * firstElements go in the first new request (the client puts an ack request there, so the answer comes
   * at once instead of after 'wait').
   */
  BoshTransport.prototype.resume = function (firstElements) {
    var saved = this.saved;
    var self = this;
    this.state = 'open';
    var resendRids = [];
    Object.keys(saved.unanswered || {}).forEach(function (key) {
      var rid = Number(key);
      var body = saved.unanswered[key];
      self.bodies[rid] = body;
      if (!saved.cmAcks && /<body[^>]*\/>\s*$/.test(body)) {
        self.skipped[rid] = true;
      } else {
        resendRids.push(rid);
      }
    });
    var first = saved.nextToProcess;
    this.nextToProcess = first === null || first === undefined ? this.rid : first;
    // The pause response carries no payload (§10), and a rid without a kept body has nothing to resend.
    for (var r = this.nextToProcess; r < this.rid; r++) {
      if (!this.bodies[r]) {
        this.ignored[r] = true;
      }
    }
    resendRids.sort(function (a, b) {
      return a - b;
    });
    resendRids.forEach(function (rid) {
      self.post(rid, self.bodies[rid], 'normal');
    });
    (firstElements || []).forEach(function (e) {
      self.queue.push(typeof e === 'string' ? e : X.serialize(e, NS.HTTPBIND));
    });
    // The first new request goes out even if resends occupy the slots: it is the one the session
    // continues on. The connection manager answers resends at once (XEP-0124 §14.3).
    var rid = this.nextRid();
    var payload = this.queue.join('');
    this.queue = [];
    this.post(rid, this.wrap(rid, '', payload), 'normal');
  };

  P.BoshTransport = BoshTransport;
}(this));
