/*
 * Portico demo: a small XMPP client (RFC 6120 / 6121) on top of either transport.
 *
 * It negotiates the stream (SASL, restart, resource binding), enables stream management (XEP-0198) so
 * the page can show when the server has taken responsibility for each message, tracks IQ requests, answers
 * the IQs every client must answer (ping, disco#info for caps). Surviving a page reload is in resume.js.
 * Everything the page shows is built on the events it emits.
 *
 * Events (client.on(name, fn)): state(state, detail), wire(direction, text, note, transportKind),
 * message(el), presence(el), acked(item), sm(info), online(info), closed(info).
 */
(function (global) {
  'use strict';
  var P = global.PorticoDemo = global.PorticoDemo || {};
  var X = P.xml;
  var NS = P.NS;

  var H_MOD = 4294967296; // XEP-0198 §4: h wraps at 2^32
  var IQ_TIMEOUT_MS = 30000;

  function parseJid(jid) {
    var s = String(jid || '').trim();
    var slash = s.indexOf('/');
    var resource = slash >= 0 ? s.substring(slash + 1) : null;
    var bare = slash >= 0 ? s.substring(0, slash) : s;
    var at = bare.indexOf('@');
    return {
      local: at >= 0 ? bare.substring(0, at) : null,
      domain: at >= 0 ? bare.substring(at + 1) : bare,
      resource: resource,
      bare: bare
    };
  }

  function bareJid(jid) {
    return jid ? parseJid(jid).bare.toLowerCase() : jid;
  }

  function isStanza(el) {
    var n = el.localName;
    return (n === 'message' || n === 'presence' || n === 'iq') &&
      (!el.namespaceURI || el.namespaceURI === NS.CLIENT);
  }

  function stanzaError(el) {
    var error = X.child(el, 'error');
    if (!error) {
      return 'unknown error';
    }
    var condition = null;
    X.children(error).forEach(function (c) {
      if (c.namespaceURI === NS.STANZAS && c.localName !== 'text' && !condition) {
        condition = c.localName;
      }
    });
    var text = X.childText(error, 'text', NS.STANZAS);
    return (condition || 'undefined-condition') + (text ? ': ' + text : '');
  }

  function freshSm() {
    return { offered: false, requested: false, enabled: false, inbound: 0, outbound: 0, lastAckedH: 0, queue: [] };
  }

  function XmppClient() {
    this.listeners = {};
    this.iqHandlers = {};
    this.pendingIq = {};
    this.state = 'offline';
    this.transport = null;
    this.jid = null;
    this.domain = null;
    this.sm = freshSm();
    this.mechanism = null;
    this.authenticated = false;
    this.connectWaiter = null;
    this.resumeWaiter = null;
    this.disco = { identities: [], features: [], node: 'https://portico.example/demo' };
    var self = this;
    this.handleIq(NS.PING, function () {
      return null;
    });
    this.handleIq(NS.DISCO_INFO, function (iq, query) {
      return self.discoInfoResult(query.getAttribute('node'));
    });
  }

  XmppClient.parseJid = parseJid;
  XmppClient.freshSm = freshSm;
  XmppClient.bareJid = bareJid;
  XmppClient.stanzaError = stanzaError;

  XmppClient.prototype.toString = function () {
    return 'XmppClient[' + this.state + ' ' + (this.jid || '-') + ' ' + (this.transport || '') + ']';
  };

  XmppClient.prototype.on = function (name, fn) {
    (this.listeners[name] = this.listeners[name] || []).push(fn);
    return this;
  };

  XmppClient.prototype.emit = function (name) {
    var args = Array.prototype.slice.call(arguments, 1);
    (this.listeners[name] || []).forEach(function (fn) {
      try {
        fn.apply(null, args);
      } catch (e) {
        if (global.console) {
          global.console.error('Portico demo: a ' + name + ' listener failed', e);
        }
      }
    });
  };

  XmppClient.prototype.setState = function (state, detail) {
    this.state = state;
    this.emit('state', state, detail || '');
  };

  /* Registers the answer to incoming IQ get/set whose payload is in namespace ns. fn(iq, payload) returns
   * a payload element for the result (or null for an empty result), or a Promise of one; throwing or
   * rejecting with { condition } sends that error. */
  XmppClient.prototype.handleIq = function (ns, fn) {
    this.iqHandlers[ns] = fn;
  };

  /* ---------- connecting ---------- */

  XmppClient.prototype.makeTransport = function (kind, url, domain, lang, wait) {
    if (kind === 'websocket') {
      return new P.WebSocketTransport({ url: url, domain: domain, lang: lang });
    }
    return new P.BoshTransport({ url: url, domain: domain, lang: lang, wait: wait });
  };

  XmppClient.prototype.attach = function (transport) {
    var self = this;
    this.transport = transport;
    transport.onStreamStart = function (info) {
      self.streamInfo = info;
      self.emit('stream', info);
    };
    transport.onElement = function (el) {
      self.elementArrived(el);
    };
    transport.onClosed = function (info) {
      if (self.transport === transport) {
        self.transportClosed(info);
      }
    };
    transport.onWire = function (direction, text, note) {
      self.emit('wire', direction, text, note, transport.kind);
    };
  };

  /*
   * Logs in. options: transport ('bosh' | 'websocket'), url, jid, password, resource, lang, sasl
   * ('auto' | 'PLAIN'), wait (BOSH: seconds the connection manager may hold a request). Resolves with { jid, mechanism, sm } once bound (and stream management settled).
   */
  XmppClient.prototype.connect = function (options) {
    var self = this;
    var parts = parseJid(options.jid);
    if (!parts.local || !parts.domain) {
      return Promise.reject(new Error('Enter a JID such as alice@localhost'));
    }
    this.username = parts.local;
    this.domain = parts.domain;
    this.password = options.password;
    this.resource = options.resource || 'portico-demo-' + Math.floor(Math.random() * 1e6).toString(36);
    this.saslPreference = options.sasl || 'auto';
    this.url = options.url;
    this.authenticated = false;
    this.sm = freshSm();
    this.jid = null;
    this.pendingIq = {};
    this.attach(this.makeTransport(options.transport, options.url, this.domain, options.lang || 'en', options.wait));
    return new Promise(function (resolve, reject) {
      self.connectWaiter = { resolve: resolve, reject: reject };
      self.setState('connecting', 'Connecting to ' + options.url + ' over ' +
        (options.transport === 'websocket' ? 'WebSocket' : 'BOSH') + '…');
      self.transport.connect();
    });
  };

  XmppClient.prototype.failConnect = function (message) {
    var waiter = this.connectWaiter;
    this.connectWaiter = null;
    if (this.transport && this.transport.state !== 'closed') {
      var t = this.transport;
      this.transport = null;
      t.disconnect([]);
    }
    this.setState('offline', message);
    if (waiter) {
      waiter.reject(new Error(message));
    }
  };

  XmppClient.prototype.elementArrived = function (el) {
    var ns = el.namespaceURI;
    var name = el.localName;
    if (name === 'features' && ns === NS.STREAMS) {
      this.featuresArrived(el);
    } else if (ns === NS.SASL) {
      this.saslArrived(el);
    } else if (ns === NS.SM) {
      this.smArrived(el);
    } else if (name === 'error' && ns === NS.STREAMS) {
      var condition = X.children(el).filter(function (c) {
        return c.localName !== 'text';
      }).map(function (c) {
        return c.localName;
      })[0] || 'undefined-condition';
      this.streamError = condition;
    } else if (isStanza(el)) {
      this.stanzaArrived(el);
    }
  };

  XmppClient.prototype.featuresArrived = function (features) {
    var self = this;
    if (!this.authenticated) {
      var mechanisms = X.children(X.child(features, 'mechanisms', NS.SASL), 'mechanism', NS.SASL).map(X.text);
      P.sasl.chooseMechanism(mechanisms, this.username, this.password, this.saslPreference, this.url)
        .then(function (mech) {
          self.mechanism = mech;
          self.setState('connecting', 'Authenticating with SASL ' + mech.name + '…');
          return mech.initial().then(function (initial) {
            self.transport.send([X.el('auth', { xmlns: NS.SASL, mechanism: mech.name }, initial || '=')]);
          });
        })
        .then(null, function (e) {
          self.failConnect('Could not log in: ' + e.message);
        });
      return;
    }
    this.features = features;
    this.bind().then(function () {
      var session = X.child(features, 'session', NS.SESSION);
      if (session && !X.child(session, 'optional', NS.SESSION)) {
        return self.sendIQ(X.el('iq', { type: 'set' }, X.el('session', { xmlns: NS.SESSION })));
      }
      return null;
    }).then(function () {
      if (X.child(features, 'sm', NS.SM)) {
        self.enableSm();
      } else {
        self.becameOnline();
      }
    }).then(null, function (e) {
      self.failConnect('Could not bind a resource: ' + e.message);
    });
  };

  XmppClient.prototype.saslArrived = function (el) {
    var self = this;
    var name = el.localName;
    if (name === 'challenge') {
      this.mechanism.challenge(X.text(el)).then(function (response) {
        self.transport.send([X.el('response', { xmlns: NS.SASL }, response)]);
      }, function (e) {
        self.transport.send([X.el('abort', { xmlns: NS.SASL })]);
        self.failConnect('Could not log in: ' + e.message);
      });
    } else if (name === 'success') {
      var data = X.text(el);
      if (this.mechanism.name !== 'PLAIN' && !this.mechanism.verify(data)) {
        this.failConnect('Could not log in: the server did not prove it knows the password (SCRAM signature mismatch)');
        return;
      }
      this.authenticated = true;
      this.setState('connecting', 'Authenticated (' + this.mechanism.name + '); restarting the stream…');
      this.transport.restart();
    } else if (name === 'failure') {
      var condition = X.children(el).filter(function (c) {
        return c.localName !== 'text';
      }).map(function (c) {
        return c.localName;
      })[0] || 'not-authorized';
      var text = X.childText(el, 'text', NS.SASL);
      this.failConnect('Login failed: ' + condition + (text ? ' (' + text + ')' : '') +
        (condition === 'not-authorized' ? ' — check the JID and password' : ''));
    }
  };

  XmppClient.prototype.bind = function () {
    var self = this;
    var iq = X.el('iq', { type: 'set' }, X.el('bind', { xmlns: NS.BIND }, X.el('resource', {}, this.resource)));
    return this.sendIQ(iq).then(function (result) {
      self.jid = X.text(X.path(result, ['bind', NS.BIND], ['jid', NS.BIND]));
      if (!self.jid) {
        throw new Error('the server did not return a JID');
      }
    });
  };

  XmppClient.prototype.becameOnline = function () {
    var waiter = this.connectWaiter;
    this.connectWaiter = null;
    this.setState('online', 'Online as ' + this.jid);
    var info = { jid: this.jid, mechanism: this.mechanism ? this.mechanism.name : null, sm: this.sm.enabled,
      transport: this.transport.kind, resumed: false, streamInfo: this.streamInfo };
    this.emit('online', info);
    if (waiter) {
      waiter.resolve(info);
    }
  };

  /* ---------- stream management (XEP-0198) ---------- */

  XmppClient.prototype.enableSm = function () {
    this.sm = freshSm();
    this.sm.offered = true;
    this.sm.requested = true;
    this.transport.send([X.serialize(X.el('enable', { xmlns: NS.SM }), null)]);
    // §4: our outbound counter starts now, the inbound one when <enabled/> arrives.
  };

  XmppClient.prototype.smArrived = function (el) {
    var name = el.localName;
    if (name === 'enabled') {
      this.sm.enabled = true;
      this.sm.inbound = 0;
      this.emit('sm', this.smInfo());
      if (this.connectWaiter) {
        this.becameOnline();
      }
    } else if (name === 'failed') {
      var wasEnabled = this.sm.enabled;
      this.sm.enabled = false;
      this.sm.requested = false;
      this.sm.queue = [];
      this.emit('sm', this.smInfo());
      if (this.connectWaiter && !wasEnabled) {
        this.becameOnline();
      }
    } else if (name === 'r') {
      if (this.sm.enabled) {
        this.transport.send([X.serialize(X.el('a', { xmlns: NS.SM, h: this.sm.inbound }), null)]);
      }
    } else if (name === 'a') {
      this.ackArrived(Number(el.getAttribute('h')));
    }
  };

  XmppClient.prototype.ackArrived = function (h) {
    var sm = this.sm;
    var count = (h - sm.lastAckedH + H_MOD) % H_MOD;
    if (count > sm.queue.length) {
      this.emit('wire', 'note', '', 'server acknowledged ' + count + ' stanzas but only ' + sm.queue.length +
        ' were waiting', this.transport.kind);
      count = sm.queue.length;
    }
    var acked = sm.queue.splice(0, count);
    sm.lastAckedH = h;
    var self = this;
    acked.forEach(function (item) {
      self.emit('acked', item);
    });
    this.emit('sm', this.smInfo());
    if (this.resumeWaiter) {
      this.resumeAcked(h);
    }
  };

  XmppClient.prototype.smInfo = function () {
    return { enabled: this.sm.enabled, inbound: this.sm.inbound, outbound: this.sm.outbound,
      unacked: this.sm.queue.length, lastAckedH: this.sm.lastAckedH };
  };

  /* Asks the server to acknowledge what it has handled so far (XEP-0198 <r/>). */
  XmppClient.prototype.requestAck = function () {
    if (this.sm.enabled && this.transport) {
      this.transport.send([X.serialize(X.el('r', { xmlns: NS.SM }), null)]);
    }
  };

  /* ---------- stanzas ---------- */

  /* Sends a stanza. Its 'id' is set if missing, and it is tracked for acknowledgement. Returns the id. */
  XmppClient.prototype.send = function (stanza) {
    if (!this.transport) {
      throw new Error('not connected');
    }
    if (!stanza.getAttribute('id')) {
      stanza.setAttribute('id', X.uid(stanza.localName.charAt(0)));
    }
    var text = X.serialize(stanza, null);
    if (this.sm.requested) {
      this.sm.outbound = (this.sm.outbound + 1) % H_MOD;
      this.sm.queue.push({ id: stanza.getAttribute('id'), name: stanza.localName, to: stanza.getAttribute('to'),
        text: text });
    }
    this.transport.send([text]);
    return stanza.getAttribute('id');
  };

  /* Sends an IQ and resolves with the result stanza; rejects with the error condition in words. */
  XmppClient.prototype.sendIQ = function (iq, timeoutMs) {
    var self = this;
    var id = iq.getAttribute('id') || X.uid('iq');
    iq.setAttribute('id', id);
    var to = iq.getAttribute('to');
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        delete self.pendingIq[id];
        reject(new Error('no answer from ' + (to || 'the server') + ' within ' + ((timeoutMs || IQ_TIMEOUT_MS) / 1000) + ' s'));
      }, timeoutMs || IQ_TIMEOUT_MS);
      self.pendingIq[id] = { to: to, resolve: resolve, reject: reject, timer: timer };
      try {
        self.send(iq);
      } catch (e) {
        clearTimeout(timer);
        delete self.pendingIq[id];
        reject(e);
      }
    });
  };

  /* A response must come from whom we asked (RFC 6120 §8.1.2.1); for our own account, our JIDs or none. */
  XmppClient.prototype.responseFromExpected = function (pending, from) {
    if (!pending.to) {
      return !from || bareJid(from) === bareJid(this.jid) || from === this.domain;
    }
    return !from ? bareJid(pending.to) === bareJid(this.jid) : from === pending.to ||
      bareJid(from) === bareJid(pending.to) && !parseJid(pending.to).resource;
  };

  XmppClient.prototype.stanzaArrived = function (el) {
    if (this.sm.enabled) {
      this.sm.inbound = (this.sm.inbound + 1) % H_MOD;
    }
    if (this.resumeWaiter) {
      this.resumeWaiter.delivered++;
    }
    var name = el.localName;
    if (name === 'iq') {
      this.iqArrived(el);
    } else if (name === 'message') {
      this.emit('message', el);
    } else {
      this.emit('presence', el);
    }
  };

  XmppClient.prototype.iqArrived = function (iq) {
    var type = iq.getAttribute('type');
    var id = iq.getAttribute('id');
    if (type === 'result' || type === 'error') {
      var pending = this.pendingIq[id];
      if (pending && this.responseFromExpected(pending, iq.getAttribute('from'))) {
        delete this.pendingIq[id];
        clearTimeout(pending.timer);
        if (type === 'result') {
          pending.resolve(iq);
        } else {
          pending.reject(new Error(stanzaError(iq)));
        }
      }
      return;
    }
    var payload = X.children(iq)[0];
    var handler = payload ? this.iqHandlers[payload.namespaceURI] : null;
    var self = this;
    if (!handler) {
      this.replyError(iq, 'cancel', 'service-unavailable');
      return;
    }
    Promise.resolve().then(function () {
      return handler(iq, payload);
    }).then(function (result) {
      self.send(X.el('iq', { type: 'result', id: id, to: iq.getAttribute('from') }, result || null));
    }, function (e) {
      self.replyError(iq, (e && e.type) || 'cancel', (e && e.condition) || 'internal-server-error');
    });
  };

  XmppClient.prototype.replyError = function (iq, type, condition) {
    this.send(X.el('iq', { type: 'error', id: iq.getAttribute('id'), to: iq.getAttribute('from') },
      X.el('error', { type: type }, X.el(condition, { xmlns: NS.STANZAS }))));
  };

  /* ---------- entity capabilities (XEP-0115) ---------- */

  XmppClient.prototype.capsVer = function () {
    var s = '';
    this.disco.identities.slice().sort(function (a, b) {
      var ka = a.category + '/' + a.type + '/' + (a.lang || '') + '/' + (a.name || '');
      var kb = b.category + '/' + b.type + '/' + (b.lang || '') + '/' + (b.name || '');
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    }).forEach(function (i) {
      s += i.category + '/' + i.type + '/' + (i.lang || '') + '/' + (i.name || '') + '<';
    });
    this.disco.features.slice().sort().forEach(function (f) {
      s += f + '<';
    });
    return P.bytes.toBase64(P.bytes.sha1(P.bytes.utf8(s)));
  };

  XmppClient.prototype.capsElement = function () {
    return X.el('c', { xmlns: NS.CAPS, hash: 'sha-1', node: this.disco.node, ver: this.capsVer() });
  };

  XmppClient.prototype.discoInfoResult = function (node) {
    var query = X.el('query', { xmlns: NS.DISCO_INFO, node: node || undefined });
    this.disco.identities.forEach(function (i) {
      X.append(query, X.el('identity', { category: i.category, type: i.type, name: i.name }));
    });
    this.disco.features.forEach(function (f) {
      X.append(query, X.el('feature', { 'var': f }));
    });
    return query;
  };

  /* ---------- leaving ---------- */

  XmppClient.prototype.disconnect = function () {
    if (!this.transport) {
      this.setState('offline', 'Logged out');
      return;
    }
    this.loggingOut = true;
    this.setState('disconnecting', 'Logging out…');
    this.transport.disconnect([X.el('presence', { type: 'unavailable' })]);
  };

  XmppClient.prototype.transportClosed = function (info) {
    var self = this;
    var reason = info.reason;
    if (this.streamError && info.error) {
      reason += ' (stream error: ' + this.streamError + ')';
    }
    Object.keys(this.pendingIq).forEach(function (id) {
      clearTimeout(self.pendingIq[id].timer);
      self.pendingIq[id].reject(new Error('disconnected'));
    });
    this.pendingIq = {};
    if (this.connectWaiter) {
      this.transport = null;
      this.failConnect(reason);
      return;
    }
    if (this.resumeWaiter) {
      var rw = this.resumeWaiter;
      this.resumeWaiter = null;
      this.transport = null;
      this.setState('offline', reason);
      rw.reject(new Error(reason));
      return;
    }
    if (info.resumable && this.state === 'online' && !this.loggingOut) {
      // A dropped WebSocket: try Portico's resume extension once before giving up.
      var t = this.transport;
      this.setState('resuming', 'Connection lost; resuming the session…');
      this.resumeOn(t).then(function (result) {
        self.emit('online', { jid: self.jid, resumed: true, resume: result, transport: t.kind,
          sm: self.sm.enabled });
      }, function (e) {
        self.transport = null;
        self.setState('offline', e.message);
        self.emit('closed', { reason: e.message, error: true });
      });
      return;
    }
    this.transport = null;
    this.loggingOut = false;
    this.setState('offline', info.error ? reason : 'Logged out');
    this.emit('closed', { reason: reason, error: info.error });
  };

  P.XmppClient = XmppClient;
}(this));
