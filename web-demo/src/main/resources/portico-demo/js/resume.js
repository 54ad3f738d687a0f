/*
 * Portico demo: how the XMPP client survives a page reload (or a dropped WebSocket) without logging in.
 *
 * On unload, saveForReload() asks the transport to pause (BOSH) or to remember its resume token and counts
 * (WebSocket), and returns that together with the stream management counters. The next page calls
 * resume(saved): the transport continues the same session, then an XEP-0198 <r/> (or a ping, without
 * stream management) proves the session is alive, and comparing the server's <a h/> with what we sent
 * tells how many stanzas were lost — those still in our queue are resent.
 */
(function (global) {
  'use strict';
  var P = global.PorticoDemo = global.PorticoDemo || {};
  var X = P.xml;
  var NS = P.NS;
  var XmppClient = P.XmppClient;

  var H_MOD = 4294967296;

  /* Called on page unload: pauses the transport and returns everything the next page needs (or null). */
  XmppClient.prototype.saveForReload = function () {
    if (this.state !== 'online' || !this.transport) {
      return null;
    }
    var t = this.transport.saveForReload();
    if (!t) {
      return null;
    }
    return {
      jid: this.jid,
      domain: this.domain,
      mechanism: this.mechanism ? this.mechanism.name : null,
      sm: this.sm,
      transport: t,
      savedAt: Date.now()
    };
  };

  /*
   * Resumes a session saved by saveForReload() on the previous page, without logging in. Resolves with
   * { ms, transport, clientSent, serverAcked, resent, lost, deliveredWhileAway } when the server has
   * confirmed the session (an XEP-0198 <a/> answering our <r/>, or a ping result without stream
   * management); rejects when the session is gone.
   */
  XmppClient.prototype.resume = function (saved) {
    var self = this;
    this.jid = saved.jid;
    this.domain = saved.domain;
    this.sm = saved.sm || XmppClient.freshSm();
    this.mechanism = saved.mechanism ? { name: saved.mechanism } : null;
    this.authenticated = true;
    var t = saved.transport.kind === 'websocket' ? P.WebSocketTransport.fromSaved(saved.transport) :
      P.BoshTransport.fromSaved(saved.transport);
    this.attach(t);
    this.setState('resuming', 'Resuming the session saved ' + Math.max(0, Date.now() - saved.savedAt) + ' ms ago…');
    return this.resumeOn(t).then(function (result) {
      self.emit('online', { jid: self.jid, resumed: true, resume: result, transport: t.kind, sm: self.sm.enabled });
      return result;
    }, function (e) {
      self.transport = null;
      self.setState('offline', 'Could not resume: ' + e.message);
      throw e;
    });
  };

  XmppClient.prototype.resumeOn = function (transport) {
    var self = this;
    var started = global.performance ? global.performance.now() : Date.now();
    var sentBefore = this.sm.outbound;
    return new Promise(function (resolve, reject) {
      self.resumeWaiter = { resolve: resolve, reject: reject, started: started, sentBefore: sentBefore,
        delivered: 0, transportResult: null };
      var first = self.sm.enabled ? [X.serialize(X.el('r', { xmlns: NS.SM }), null)] : [];
      var maybe = transport.resume(first);
      if (maybe && typeof maybe.then === 'function') {
        maybe.then(function (r) {
          if (self.resumeWaiter) {
            self.resumeWaiter.transportResult = r;
          }
        }, function (e) {
          if (self.resumeWaiter) {
            var rw = self.resumeWaiter;
            self.resumeWaiter = null;
            rw.reject(e);
          }
        });
      }
      if (!self.sm.enabled) {
        // Without stream management a ping proves the session is alive.
        var ping = function () {
          self.sendIQ(X.el('iq', { type: 'get', to: self.domain }, X.el('ping', { xmlns: NS.PING })), 15000)
            .then(function () {
              if (self.resumeWaiter) {
                self.resumeDone(null);
              }
            }, function (e) {
              if (self.resumeWaiter) {
                var rw = self.resumeWaiter;
                self.resumeWaiter = null;
                rw.reject(e);
              }
            });
        };
        if (maybe && typeof maybe.then === 'function') {
          maybe.then(ping, function () {});
        } else {
          ping();
        }
      }
    });
  };

  /* The server's <a h/> after a resume: stanzas it never got are resent (XEP-0198 §5 semantics). */
  XmppClient.prototype.resumeAcked = function (h) {
    var sm = this.sm;
    var resent = 0;
    var missing = (sm.outbound - h + H_MOD) % H_MOD;
    if (missing > 0 && missing < H_MOD / 2) {
      var again = sm.queue.splice(0, sm.queue.length);
      sm.outbound = h;
      var self = this;
      again.forEach(function (item) {
        sm.outbound = (sm.outbound + 1) % H_MOD;
        sm.queue.push(item);
        self.transport.send([item.text]);
        resent++;
      });
      this.requestAck();
    }
    this.resumeDone({ h: h, missing: missing < H_MOD / 2 ? missing : 0, resent: resent });
  };

  XmppClient.prototype.resumeDone = function (ack) {
    var rw = this.resumeWaiter;
    this.resumeWaiter = null;
    var now = global.performance ? global.performance.now() : Date.now();
    var tr = rw.transportResult || {};
    var lostOut = ack ? Math.max(0, ack.missing - ack.resent) : 0;
    var result = {
      ms: Math.round(now - rw.started),
      transport: this.transport.kind,
      clientSent: rw.sentBefore,
      serverAcked: ack ? ack.h : null,
      resent: (ack ? ack.resent : 0) + (tr.resent || 0),
      lost: lostOut + (tr.lost || 0),
      deliveredWhileAway: rw.delivered,
      sm: !!ack
    };
    this.setState('online', 'Online as ' + this.jid + ' (resumed)');
    rw.resolve(result);
  };

}(this));
