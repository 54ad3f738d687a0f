/*
 * Portico demo: the page's wiring — endpoint discovery (XEP-0156), login and logout, the session's status,
 * and surviving a reload (BOSH pause/restore or Portico's WebSocket resume) with the page's state.
 *
 * Each use case lives in js/features/*.js and registers itself in PorticoDemo.features with any of:
 * init(app), online(app, info), offline(app), message(app, el), presence(app, el), select(app, jid),
 * save() -> data, restore(app, data), reset(app).
 */
(function (global) {
  'use strict';
  var P = global.PorticoDemo = global.PorticoDemo || {};
  var X = P.xml;
  var NS = P.NS;
  var ui = P.ui;
  var $ = ui.$;

  var SESSION_KEY = 'portico-demo:session';
  var NOTE_KEY = 'portico-demo:reload-note';
  var PREFS_KEY = 'portico-demo:prefs';

  var app = {
    client: new P.XmppClient(),
    features: P.features || [],
    me: null,
    domain: null,
    current: null,
    services: {},
    listeners: {},
    console: null,
    online: false,
    // initial presence has gone out (RFC 6121 §4.2): the session is available and its offline messages have come
    available: false
  };
  P.app = app;
  global.porticoDemo = app; // handy in the browser console and for tests

  app.on = function (name, fn) {
    (this.listeners[name] = this.listeners[name] || []).push(fn);
  };
  app.emit = function (name) {
    var args = Array.prototype.slice.call(arguments, 1);
    (this.listeners[name] || []).forEach(function (fn) {
      fn.apply(null, args);
    });
  };

  app.each = function (hook) {
    var args = Array.prototype.slice.call(arguments, 1);
    app.features.forEach(function (f) {
      if (typeof f[hook] === 'function') {
        try {
          f[hook].apply(f, [app].concat(args));
        } catch (e) {
          if (global.console) {
            global.console.error('Portico demo: feature ' + f.name + ' failed in ' + hook, e);
          }
        }
      }
    });
  };

  app.error = function (message) {
    ui.showError(message);
  };

  app.bare = P.XmppClient.bareJid;

  app.selectContact = function (jid) {
    app.current = jid ? app.bare(jid) : null;
    app.each('select', app.current);
  };

  /* ---------- endpoints (XEP-0156) ---------- */

  function defaultEndpoints() {
    var loc = global.location;
    if (!loc || !/^https?:$/.test(loc.protocol)) {
      return { bosh: 'http://localhost:5280/http-bind', websocket: 'ws://localhost:5280/xmpp-websocket' };
    }
    return {
      bosh: loc.protocol + '//' + loc.host + '/http-bind',
      websocket: (loc.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + loc.host + '/xmpp-websocket'
    };
  }

  /* host-meta may give a path ("/xmpp-websocket"): make it ws(s)://this-host/path. */
  function absoluteWs(href) {
    if (/^wss?:\/\//i.test(href)) {
      return href;
    }
    var http = new URL(href, global.location.href).href;
    return http.replace(/^http/i, 'ws');
  }

  function queryParams() {
    var out = {};
    var q = (global.location && global.location.search || '').replace(/^\?/, '');
    q.split('&').forEach(function (pair) {
      if (!pair) {
        return;
      }
      var eq = pair.indexOf('=');
      var key = decodeURIComponent(eq >= 0 ? pair.substring(0, eq) : pair);
      out[key] = eq >= 0 ? decodeURIComponent(pair.substring(eq + 1).replace(/\+/g, ' ')) : '';
    });
    return out;
  }

  /* Reads the JSON host-meta (XEP-0156 §3.3) and resolves with { bosh, websocket } (either may be missing). */
  function fetchHostMeta() {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open('GET', '/.well-known/host-meta.json', true);
      xhr.timeout = 5000;
      xhr.onreadystatechange = function () {
        if (xhr.readyState !== 4) {
          return;
        }
        if (xhr.status !== 200) {
          reject(new Error(xhr.status ? 'HTTP ' + xhr.status : 'not reachable'));
          return;
        }
        try {
          var doc = JSON.parse(xhr.responseText);
          var out = {};
          (doc.links || []).forEach(function (link) {
            if (link.rel === 'urn:xmpp:alt-connections:xbosh' && !out.bosh) {
              out.bosh = link.href;
            } else if (link.rel === 'urn:xmpp:alt-connections:websocket' && !out.websocket) {
              out.websocket = link.href;
            }
          });
          resolve(out);
        } catch (e) {
          reject(new Error('not valid JSON'));
        }
      };
      xhr.ontimeout = function () {
        reject(new Error('timed out'));
      };
      xhr.send();
    });
  }

  function loadPrefs() {
    try {
      return JSON.parse(global.sessionStorage.getItem(PREFS_KEY) || '{}');
    } catch (e) {
      return {};
    }
  }

  /* Endpoints are remembered only when they did not come from host-meta or the defaults. */
  var endpointsByHand = false;

  function savePrefs() {
    try {
      global.sessionStorage.setItem(PREFS_KEY, JSON.stringify({
        transport: $('transport').value,
        jid: $('jid').value,
        bosh: endpointsByHand ? $('bosh-url').value : null,
        websocket: endpointsByHand ? $('ws-url').value : null,
        sasl: $('sasl').value,
        wait: $('bosh-wait').value
      }));
    } catch (e) {
      // Storage may be disabled; preferences are a convenience.
    }
  }

  /* Query parameters (?bosh=…&ws=…&transport=…&jid=…) win, then this tab's last choice, then host-meta. */
  function initEndpoints() {
    var params = queryParams();
    var prefs = loadPrefs();
    var defaults = defaultEndpoints();
    var source = $('endpoint-source');
    $('bosh-url').value = params.bosh || prefs.bosh || defaults.bosh;
    $('ws-url').value = params.ws || prefs.websocket || defaults.websocket;
    if (params.transport === 'websocket' || params.transport === 'bosh') {
      $('transport').value = params.transport;
    } else if (prefs.transport) {
      $('transport').value = prefs.transport;
    }
    if (params.jid || prefs.jid) {
      $('jid').value = params.jid || prefs.jid;
    }
    if (prefs.sasl) {
      $('sasl').value = prefs.sasl;
    }
    if (/^[0-9]+$/.test(params.wait || '')) {
      $('bosh-wait').value = params.wait;
    } else if (prefs.wait) {
      $('bosh-wait').value = prefs.wait;
    }
    if (params.sasl === 'PLAIN') {
      $('sasl').value = 'PLAIN';
    }
    ['bosh-url', 'ws-url'].forEach(function (id) {
      $(id).addEventListener('input', function () {
        endpointsByHand = true;
        source.textContent = 'Endpoints set by hand.';
        source.setAttribute('data-source', 'manual');
      });
    });
    if (params.bosh || params.ws || prefs.bosh || prefs.websocket) {
      endpointsByHand = true;
      source.textContent = 'Endpoints set by hand (query string or earlier in this tab).';
      source.setAttribute('data-source', 'manual');
      return Promise.resolve();
    }
    return fetchHostMeta().then(function (found) {
      if (found.bosh) {
        $('bosh-url').value = new URL(found.bosh, global.location.href).href;
      }
      if (found.websocket) {
        $('ws-url').value = absoluteWs(found.websocket);
      }
      source.textContent = 'Endpoints from /.well-known/host-meta.json (XEP-0156).';
      source.setAttribute('data-source', 'host-meta');
    }, function (e) {
      source.textContent = 'No /.well-known/host-meta.json (' + e.message + '); using /http-bind and /xmpp-websocket on this host.';
      source.setAttribute('data-source', 'default');
    });
  }

  /* ---------- logging in and out ---------- */

  function setFormEnabled(enabled) {
    ['transport', 'jid', 'password', 'bosh-url', 'ws-url', 'bosh-wait', 'sasl', 'login'].forEach(function (id) {
      $(id).disabled = !enabled;
    });
  }

  function login(event) {
    if (event) {
      event.preventDefault();
    }
    ui.clearError();
    var transport = $('transport').value;
    var jid = $('jid').value.trim();
    var password = $('password').value;
    var url = transport === 'websocket' ? $('ws-url').value.trim() : $('bosh-url').value.trim();
    if (!jid || jid.indexOf('@') < 1) {
      app.error('Enter a JID such as alice@localhost.');
      $('jid').focus();
      return;
    }
    if (!password) {
      app.error('Enter the password for ' + jid + '.');
      $('password').focus();
      return;
    }
    if (!url) {
      app.error('Enter the ' + (transport === 'websocket' ? 'WebSocket' : 'BOSH') + ' endpoint under Advanced.');
      return;
    }
    var wait = parseInt($('bosh-wait').value, 10);
    if (!(wait >= 1 && wait <= 120)) {
      app.error('The BOSH wait must be between 1 and 120 seconds.');
      return;
    }
    savePrefs();
    setFormEnabled(false);
    app.client.connect({ transport: transport, url: url, jid: jid, password: password, sasl: $('sasl').value,
      wait: wait })
      .then(function () {
        $('password').value = '';
      }, function (e) {
        setFormEnabled(true);
        app.error(e.message);
      });
  }

  function wentOnline(info) {
    if (info.resumed && info.resume && app.online) {
      // The WebSocket dropped under a live page and came back through the resume extension.
      showResume(info.resume, 'the connection dropped; WebSocket resume (urn:portico:resume:0)', null);
      return;
    }
    app.online = true;
    app.me = app.bare(info.jid);
    app.domain = P.XmppClient.parseJid(info.jid).domain;
    document.body.setAttribute('data-online', 'true');
    ui.show('login-form', false);
    ui.show('account', true);
    $('my-jid').textContent = info.jid;
    $('my-transport').textContent = info.transport === 'websocket' ? 'WebSocket — ' + $('ws-url').value :
      'BOSH — ' + $('bosh-url').value;
    $('my-mechanism').textContent = app.client.mechanism ? app.client.mechanism.name : '—';
    $('open-second-tab').setAttribute('href', secondTabUrl());
    showSm(app.client.smInfo());
    app.each('online', info);
  }

  function secondTabUrl() {
    var loc = global.location;
    return loc.pathname + '?transport=' + encodeURIComponent($('transport').value) + '&jid=' + encodeURIComponent(app.me) +
      '&bosh=' + encodeURIComponent($('bosh-url').value) + '&ws=' + encodeURIComponent($('ws-url').value) +
      '&wait=' + encodeURIComponent($('bosh-wait').value);
  }

  function wentOffline(info) {
    var wasOnline = app.online;
    app.online = false;
    app.available = false;
    document.body.setAttribute('data-online', 'false');
    ui.show('login-form', true);
    ui.show('account', false);
    setFormEnabled(true);
    if (wasOnline) {
      app.each('offline');
      app.each('reset');
      app.current = null;
    }
    if (info && info.error) {
      app.error(info.reason);
    }
  }

  function showSm(info) {
    var node = $('sm-status');
    node.setAttribute('data-enabled', info.enabled ? 'true' : 'false');
    node.textContent = info.enabled ? 'on — sent ' + info.outbound + ', server acknowledged ' + info.lastAckedH +
      ', received ' + info.inbound : 'off (no per-message server acknowledgement)';
  }

  /* ---------- surviving a reload ---------- */

  var persisted = false;
  function persist() {
    if (persisted) {
      return;
    }
    persisted = true;
    var transportKind = app.client.transport ? app.client.transport.kind : null;
    var saved = app.online ? app.client.saveForReload() : null;
    try {
      if (saved && saved.transport.kind === 'websocket' && !saved.transport.token) {
        global.sessionStorage.setItem(NOTE_KEY, 'This server did not offer Portico\'s WebSocket resume extension ' +
          '(no resume:token on <open/>), so the session could not survive the reload. Log in again.');
        saved = null;
      }
      if (!saved) {
        if (app.online && transportKind === 'bosh') {
          global.sessionStorage.setItem(NOTE_KEY, 'The BOSH session could not be saved. Log in again.');
        }
        return;
      }
      var ui_state = {};
      app.features.forEach(function (f) {
        if (typeof f.save === 'function') {
          ui_state[f.name] = f.save();
        }
      });
      global.sessionStorage.setItem(SESSION_KEY, JSON.stringify({
        client: saved,
        features: ui_state,
        console: app.console.save(),
        current: app.current,
        unloadAt: Date.now(),
        transportLabel: $('my-transport').textContent
      }));
    } catch (e) {
      // Quota exceeded or storage disabled: the next page will ask to log in.
    }
  }

  /* "Resumed in 84 ms — 0 messages lost", with the evidence behind the claim. */
  function showResume(result, how, away) {
    var info = $('resume-info');
    var words = 'Resumed in ' + result.ms + ' ms — ' + result.lost + ' message' + (result.lost === 1 ? '' : 's') + ' lost';
    var detail = ' (' + how + '; ' + (result.sm ? 'server had ' + result.serverAcked + ' of ' + result.clientSent +
      ' stanzas sent' : 'session confirmed by ping') + (result.resent ? ', ' + result.resent + ' resent' : '') +
      (result.deliveredWhileAway ? ', ' + result.deliveredWhileAway + ' stanzas delivered on resume' : '') +
      (away !== null && away !== undefined ? '; page away ' + away + ' ms' : '') + ')';
    info.textContent = words + detail;
    info.setAttribute('data-resumed', 'true');
    info.setAttribute('data-ms', String(result.ms));
    info.setAttribute('data-lost', String(result.lost));
    info.setAttribute('data-resent', String(result.resent));
    info.setAttribute('data-transport', result.transport);
    ui.show(info, true);
  }

  function takeSaved() {
    try {
      var raw = global.sessionStorage.getItem(SESSION_KEY);
      global.sessionStorage.removeItem(SESSION_KEY); // a saved session is used once
      return raw ? JSON.parse(raw) : null;
    } catch (e) {
      return null;
    }
  }

  function resumeSaved(saved) {
    var info = $('resume-info');
    app.console.restore(saved.console);
    app.each('restore', saved.features || {});
    ui.show('login-form', false);
    setFormEnabled(false);
    var kind = saved.client.transport.kind;
    $('transport').value = kind;
    app.console.add('note', '', 'page reloaded; resuming the ' + (kind === 'websocket' ? 'WebSocket' : 'BOSH') +
      ' session instead of logging in', kind);
    return app.client.resume(saved.client).then(function (result) {
      var away = saved.unloadAt ? Date.now() - saved.unloadAt : null;
      var how = kind === 'websocket' ? 'WebSocket resume (urn:portico:resume:0)' :
        saved.client.transport.pauseRid ? 'BOSH pause and restore' : 'BOSH restore with the next rid';
      showResume(result, how, away);
      if (saved.current) {
        app.selectContact(saved.current);
      }
    }, function (e) {
      info.textContent = 'The previous session could not be resumed; log in again.';
      info.setAttribute('data-resumed', 'false');
      ui.show(info, true);
      app.error('Could not resume the previous session: ' + e.message);
      app.each('reset');
      wentOffline(null);
    });
  }

  /* ---------- start ---------- */

  function init() {
    app.console = new ui.XmlConsole();
    app.client.disco.identities = [{ category: 'client', type: 'web', name: 'Portico demo' }];
    app.client.disco.features = [NS.DISCO_INFO, NS.CAPS, NS.RECEIPTS, NS.MARKERS, NS.CHATSTATES, NS.PING, NS.OOB,
      NS.MICROBLOG, NS.MICROBLOG + '+notify'];

    app.client.on('state', function (state, detail) {
      ui.setStatus(state, detail || state);
    });
    app.client.on('wire', function (direction, text, note, kind) {
      app.console.add(direction, text, note, kind);
    });
    app.client.on('online', wentOnline);
    app.client.on('closed', wentOffline);
    app.client.on('sm', showSm);
    app.client.on('message', function (el) {
      app.each('message', el);
    });
    app.client.on('presence', function (el) {
      app.each('presence', el);
    });
    app.client.on('acked', function (item) {
      app.each('acked', item);
      showSm(app.client.smInfo());
    });

    $('login-form').addEventListener('submit', login);
    $('logout').addEventListener('click', function () {
      app.client.disconnect();
    });
    $('error-dismiss').addEventListener('click', ui.clearError);
    Array.prototype.forEach.call(document.querySelectorAll('.quick-user'), function (button) {
      button.addEventListener('click', function () {
        // The local demo accounts made by scripts/upstream-start.sh: password = name + "pw".
        $('jid').value = button.getAttribute('data-user') + '@localhost';
        $('password').value = button.getAttribute('data-user') + 'pw';
        $('login').focus();
      });
    });

    // pagehide is the reliable unload signal (also for the back-forward cache); unload is the fallback.
    global.addEventListener('pagehide', persist);
    global.addEventListener('unload', persist);
    // Back from the back-forward cache: this page's connections were given up in pagehide, so load it
    // afresh and let the saved session resume.
    global.addEventListener('pageshow', function (event) {
      if (event.persisted && persisted) {
        global.location.reload();
      }
    });

    app.each('init');

    var note = null;
    try {
      note = global.sessionStorage.getItem(NOTE_KEY);
      global.sessionStorage.removeItem(NOTE_KEY);
    } catch (e) {
      note = null;
    }
    var saved = takeSaved();
    var endpoints = initEndpoints();
    var ready = function () {
      document.body.setAttribute('data-ready', 'true');
    };
    if (saved && saved.client && saved.client.transport) {
      ui.setStatus('resuming', 'Resuming the previous session…');
      // The endpoints don't matter for a resume: the saved transport knows its URL.
      resumeSaved(saved).then(ready, ready);
    } else {
      if (note) {
        var info = $('resume-info');
        info.textContent = note;
        info.setAttribute('data-resumed', 'false');
        ui.show(info, true);
      }
      endpoints.then(ready, ready);
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}(this));
