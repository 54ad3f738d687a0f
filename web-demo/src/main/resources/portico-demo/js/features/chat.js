/*
 * Portico demo use case: one-to-one chat, with everything a modern messenger shows.
 *  - per-message status: pending → acked (XEP-0198 <a/>) → delivered (XEP-0184 receipt or XEP-0333
 *    received) → displayed (XEP-0333 displayed, sent by the recipient when the message is on screen);
 *  - typing indicators (XEP-0085 composing/paused);
 *  - history from the server's archive when a conversation opens (XEP-0313);
 *  - the same conversation live in several tabs (XEP-0280 carbons).
 * File sharing (XEP-0363) is in upload.js and shows its messages here through app.chat.addOutgoing.
 */
(function (global) {
  'use strict';
  var P = global.PorticoDemo = global.PorticoDemo || {};
  var X = P.xml;
  var NS = P.NS;
  var ui = P.ui;
  var $ = ui.$;
  var h = ui.h;

  var MAX_KEPT = 200;          // messages kept per conversation
  var PAUSED_AFTER_MS = 4000;  // XEP-0085 §5.3: composing → paused after a few idle seconds
  var RANK = { error: -1, archived: 0, pending: 1, sent: 1, acked: 2, delivered: 3, displayed: 4 };
  var STATUS_TEXT = {
    pending: 'sending…',
    sent: 'sent',
    acked: 'server has it',
    delivered: 'delivered',
    displayed: 'seen',
    archived: 'from archive',
    received: 'received',
    error: 'failed'
  };
  var IMAGE = /\.(png|jpe?g|gif|webp|svg|avif)(\?.*)?$/i;

  var state = freshState();
  var typing = { composing: false, timer: null, to: null, shownTimer: null };

  function freshState() {
    return { conversations: {}, mamLoaded: {}, mamLoading: {}, carbons: false };
  }

  function conversation(jid) {
    return state.conversations[jid] = state.conversations[jid] || [];
  }

  function find(jid, id) {
    var list = state.conversations[jid] || [];
    for (var i = 0; i < list.length; i++) {
      if (list[i].id === id) {
        return list[i];
      }
    }
    return null;
  }

  function findAnywhere(id) {
    var jids = Object.keys(state.conversations);
    for (var i = 0; i < jids.length; i++) {
      var m = find(jids[i], id);
      if (m) {
        return { jid: jids[i], msg: m };
      }
    }
    return null;
  }

  function insert(jid, msg) {
    var list = conversation(jid);
    var i = list.length;
    while (i > 0 && list[i - 1].time > msg.time) {
      i--;
    }
    list.splice(i, 0, msg);
    if (list.length > MAX_KEPT) {
      list.shift();
    }
  }

  /* ---------- rendering ---------- */

  function renderMessage(msg) {
    var content;
    if (msg.url) {
      var name = decodeURIComponent(msg.url.split('/').pop().split('?')[0] || msg.url);
      content = IMAGE.test(msg.url) ?
        h('a', { href: msg.url, target: '_blank', rel: 'noopener', className: 'attachment' },
          [h('img', { src: msg.url, alt: name, className: 'inline-image', loading: 'lazy' })]) :
        h('a', { href: msg.url, target: '_blank', rel: 'noopener', className: 'attachment', text: 'File: ' + name });
    } else {
      content = h('span', { text: msg.body });
    }
    var statusText = msg.dir === 'out' ? STATUS_TEXT[msg.status] || msg.status :
      msg.status === 'displayed' ? 'seen by you' : 'received';
    return h('li', {
      className: 'message ' + msg.dir,
      'data-id': msg.id,
      'data-status': msg.status,
      'data-direction': msg.dir,
      'data-carbon': msg.carbon || null,
      'data-archived': msg.archived ? 'true' : null
    }, [
      h('div', { className: 'message-body' }, [content]),
      h('div', { className: 'message-meta' }, [
        h('time', { text: ui.clock(msg.time) }),
        msg.carbon === 'sent' ? h('span', { className: 'carbon', text: 'sent from another device', title: 'XEP-0280 carbon copy' }) : null,
        msg.carbon === 'received' ? h('span', { className: 'carbon', text: 'copy for this device', title: 'XEP-0280 carbon copy' }) : null,
        h('span', { className: 'status-text', 'data-status': msg.status, text: statusText, title: msg.error || null })
      ])
    ]);
  }

  function renderConversation(app) {
    var list = $('messages');
    var jid = app.current;
    $('chat-with').textContent = jid ? 'with ' + jid : '';
    $('chat-with').setAttribute('data-jid', jid || '');
    var msgs = jid ? state.conversations[jid] || [] : [];
    var atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 30;
    ui.sync(list, msgs, function (m) {
      return m.dir + ':' + m.id;
    }, renderMessage, !jid ? app.online ? 'Pick a contact.' : 'Log in and pick a contact.' : 'No messages yet.');
    if (atBottom) {
      list.scrollTop = list.scrollHeight;
    }
  }

  function refresh(app, jid) {
    if (jid === app.current) {
      renderConversation(app);
    }
  }

  function setStatus(app, jid, msg, status) {
    if (RANK[status] > RANK[msg.status] || status === 'error') {
      msg.status = status;
      refresh(app, jid);
    }
  }

  function updateControls(app) {
    var enabled = app.online && !!app.current;
    $('chat-input').disabled = !enabled;
    $('send').disabled = !enabled;
  }

  /* ---------- sending ---------- */

  function sendMessage(app, text) {
    var jid = app.current;
    var id = X.uid('m');
    var stanza = X.el('message', { to: jid, type: 'chat', id: id }, [
      X.el('body', {}, text),
      X.el('request', { xmlns: NS.RECEIPTS }),
      X.el('markable', { xmlns: NS.MARKERS }),
      X.el('active', { xmlns: NS.CHATSTATES })
    ]);
    insert(jid, { id: id, dir: 'out', body: text, time: Date.now(), status: app.client.sm.requested ? 'pending' : 'sent' });
    stopTyping(app, false);
    app.client.send(stanza);
    app.client.requestAck();
    renderConversation(app);
    return id;
  }

  function sendChatState(app, jid, stateName) {
    app.client.send(X.el('message', { to: jid, type: 'chat' }, [
      X.el(stateName, { xmlns: NS.CHATSTATES }),
      X.el('no-store', { xmlns: NS.HINTS })
    ]));
  }

  function userTyped(app) {
    var jid = app.current;
    if (!jid || !app.online) {
      return;
    }
    if (!typing.composing || typing.to !== jid) {
      typing.composing = true;
      typing.to = jid;
      sendChatState(app, jid, 'composing');
    }
    clearTimeout(typing.timer);
    typing.timer = setTimeout(function () {
      stopTyping(app, true);
    }, PAUSED_AFTER_MS);
  }

  function stopTyping(app, notify) {
    clearTimeout(typing.timer);
    if (typing.composing && notify && app.online) {
      sendChatState(app, typing.to, 'paused');
    }
    typing.composing = false;
  }

  function showTyping(app, jid, chatState) {
    if (jid !== app.current) {
      return;
    }
    var node = $('typing');
    clearTimeout(typing.shownTimer);
    var name = jid.split('@')[0];
    if (chatState === 'composing') {
      node.textContent = name + ' is typing…';
      node.setAttribute('data-state', 'composing');
    } else if (chatState === 'paused') {
      node.textContent = name + ' stopped typing.';
      node.setAttribute('data-state', 'paused');
      typing.shownTimer = setTimeout(function () {
        showTyping(app, jid, 'active');
      }, 6000);
    } else {
      node.textContent = '';
      node.setAttribute('data-state', '');
    }
    node.setAttribute('data-jid', jid);
  }

  /* XEP-0333: tell the sender the newest markable message is on screen (implies the earlier ones). */
  function markDisplayed(app, jid) {
    if (!app.online || jid !== app.current || document.visibilityState === 'hidden') {
      return;
    }
    var list = state.conversations[jid] || [];
    var last = null;
    list.forEach(function (m) {
      if (m.dir === 'in' && m.status !== 'displayed' && !m.archived) {
        m.status = 'displayed';
        if (m.markable && !m.carbon) {
          last = m;
        }
      }
    });
    if (last) {
      app.client.send(X.el('message', { to: last.fromFull || jid, type: 'chat' }, [
        X.el('displayed', { xmlns: NS.MARKERS, id: last.id }),
        X.el('store', { xmlns: NS.HINTS })
      ]));
    }
    if (app.roster) {
      app.roster.setUnread(jid, 0);
    }
    refresh(app, jid);
  }

  /* ---------- receiving ---------- */

  function delayStamp(el) {
    var delay = X.child(el, 'delay', NS.DELAY);
    var t = delay ? Date.parse(delay.getAttribute('stamp')) : NaN;
    return isNaN(t) ? null : t;
  }

  /*
   * Handles one chat message, live or unwrapped from a carbon or an archive result.
   * how: 'live' | 'carbon-received' | 'carbon-sent' | 'archive'; stamp: time from the wrapper's delay.
   */
  function handleChat(app, el, how, stamp) {
    var from = el.getAttribute('from') || app.me;
    var to = el.getAttribute('to') || app.me;
    var outgoing = app.bare(from) === app.me;
    var jid = app.bare(outgoing ? to : from);
    if (!jid || jid === app.me && !outgoing) {
      return;
    }
    var id = el.getAttribute('id');
    var type = el.getAttribute('type');
    if (type === 'groupchat' || X.child(el, 'x', NS.MUC_USER)) {
      return;
    }
    if (type === 'error') {
      if (how !== 'live') {
        return; // an old bounce from the archive or another device's copy says nothing about this page
      }
      var failed = find(jid, id);
      // A bounce from one of several resources (e.g. an expired one) after a receipt is not a failure.
      if (failed && failed.dir === 'out' && RANK[failed.status] < RANK.delivered) {
        failed.error = P.XmppClient.stanzaError(el);
        setStatus(app, jid, failed, 'error');
        app.error('Message to ' + jid + ' failed: ' + failed.error);
      }
      return;
    }

    // Acknowledgements of our messages: receipts (XEP-0184) and markers (XEP-0333).
    var receipt = X.child(el, 'received', NS.RECEIPTS) || X.child(el, 'received', NS.MARKERS);
    var displayed = X.child(el, 'displayed', NS.MARKERS);
    if (receipt && !outgoing) {
      var target = find(jid, receipt.getAttribute('id'));
      if (target && target.dir === 'out') {
        setStatus(app, jid, target, 'delivered');
      }
    }
    if (displayed) {
      if (outgoing) {
        // Our other tab showed their message: it counts as seen here too.
        (state.conversations[jid] || []).forEach(function (m) {
          if (m.dir === 'in') {
            m.status = 'displayed';
          }
        });
        if (app.roster) {
          app.roster.setUnread(jid, 0);
        }
        refresh(app, jid);
      } else {
        markOutgoingDisplayed(app, jid, displayed.getAttribute('id'));
      }
    }

    // Typing notifications (XEP-0085).
    if (!outgoing && how === 'live') {
      ['composing', 'paused', 'active', 'inactive', 'gone'].forEach(function (s) {
        if (X.child(el, s, NS.CHATSTATES)) {
          showTyping(app, jid, s);
        }
      });
    }

    var body = X.childText(el, 'body');
    if (body === null) {
      return;
    }
    if (!outgoing && how !== 'archive') {
      // A new message ends "is typing"; an old one from the archive says nothing about now.
      showTyping(app, jid, 'active');
    }
    if (id && find(jid, id)) {
      return; // already shown (e.g. the archive has a message we saw live)
    }
    var oob = X.childText(X.child(el, 'x', NS.OOB), 'url', NS.OOB);
    var msg = {
      id: id || X.uid('in'),
      dir: outgoing ? 'out' : 'in',
      body: body,
      url: oob && oob === body.trim() ? oob : null,
      time: stamp || delayStamp(el) || Date.now(),
      status: outgoing ? how === 'archive' ? 'archived' : 'acked' : 'received',
      carbon: how === 'carbon-sent' ? 'sent' : how === 'carbon-received' ? 'received' : null,
      archived: how === 'archive',
      markable: !!X.child(el, 'markable', NS.MARKERS),
      fromFull: outgoing ? null : from
    };
    insert(jid, msg);

    if (!outgoing && how === 'live' && id) {
      // Delivery receipt (XEP-0184 §5) or, if only markable, a chat marker 'received' (XEP-0333).
      if (X.child(el, 'request', NS.RECEIPTS)) {
        app.client.send(X.el('message', { to: from, id: X.uid('r') }, [X.el('received', { xmlns: NS.RECEIPTS, id: id })]));
      } else if (msg.markable) {
        app.client.send(X.el('message', { to: from, type: 'chat' }, [X.el('received', { xmlns: NS.MARKERS, id: id }),
          X.el('store', { xmlns: NS.HINTS })]));
      }
    }
    if (!outgoing && !msg.archived) {
      if (jid === app.current && document.visibilityState !== 'hidden') {
        markDisplayed(app, jid);
      } else if (app.roster) {
        var unread = (state.conversations[jid] || []).filter(function (m) {
          return m.dir === 'in' && m.status === 'received' && !m.archived;
        }).length;
        app.roster.setUnread(jid, unread);
      }
    }
    refresh(app, jid);
  }

  function markOutgoingDisplayed(app, jid, id) {
    var list = state.conversations[jid] || [];
    var idx = -1;
    list.forEach(function (m, i) {
      if (m.id === id) {
        idx = i;
      }
    });
    if (idx < 0) {
      return;
    }
    for (var i = 0; i <= idx; i++) {
      if (list[i].dir === 'out' && list[i].status !== 'error' && list[i].status !== 'archived') {
        list[i].status = 'displayed';
      }
    }
    refresh(app, jid);
  }

  /* ---------- history (XEP-0313) ---------- */

  function loadHistory(app, jid) {
    if (state.mamLoaded[jid] !== undefined || !app.online) {
      showHistory(jid, state.mamLoaded[jid]);
      return;
    }
    var node = $('history-loaded');
    node.setAttribute('data-count', '');
    node.setAttribute('data-with', jid);
    if (!app.available) {
      // A server may keep a session's offline messages (XEP-0160) from it once it has read its archive: Prosody's
      // mod_mam does, for a client it expects to sync from the archive. This page reads one conversation, so an
      // early query would lose what other contacts sent since the login: the history waits for initial presence,
      // which brings the offline messages ('available', roster.js).
      node.textContent = 'The history with ' + jid + ' loads once this session is available.';
      return;
    }
    node.textContent = 'Loading history with ' + jid + ' from the archive…';
    if (state.mamLoading[jid]) {
      return; // its query is out; its answer shows the count if this conversation is still the one open
    }
    state.mamLoading[jid] = true;
    var queryid = X.uid('mam');
    var count = 0;
    var collector = function (el) {
      var result = X.child(el, 'result', NS.MAM);
      if (!result || result.getAttribute('queryid') !== queryid) {
        return false;
      }
      var from = el.getAttribute('from');
      if (from && app.bare(from) !== app.me) {
        return true; // archive results come only from our own account
      }
      var forwarded = X.child(result, 'forwarded', NS.FORWARD);
      var inner = X.child(forwarded, 'message');
      if (inner) {
        handleChat(app, inner, 'archive', delayStamp(forwarded));
        if (X.childText(inner, 'body') !== null) {
          count++;
        }
      }
      return true;
    };
    pendingCollectors.push(collector);
    var form = X.el('x', { xmlns: NS.DATA, type: 'submit' }, [
      X.el('field', { 'var': 'FORM_TYPE', type: 'hidden' }, X.el('value', {}, NS.MAM)),
      X.el('field', { 'var': 'with' }, X.el('value', {}, jid))
    ]);
    var iq = X.el('iq', { type: 'set' }, X.el('query', { xmlns: NS.MAM, queryid: queryid }, [
      form,
      X.el('set', { xmlns: NS.RSM }, [X.el('max', {}, '50'), X.el('before')])
    ]));
    app.client.sendIQ(iq).then(function () {
      delete state.mamLoading[jid];
      state.mamLoaded[jid] = count;
      if (app.current === jid) {
        showHistory(jid, count);
      }
      refresh(app, jid);
    }, function (e) {
      delete state.mamLoading[jid];
      node.textContent = 'The archive could not be read: ' + e.message;
      node.setAttribute('data-count', 'error');
    }).then(function () {
      pendingCollectors = pendingCollectors.filter(function (c) {
        return c !== collector;
      });
    });
  }

  var pendingCollectors = [];

  function showHistory(jid, count) {
    var node = $('history-loaded');
    node.setAttribute('data-with', jid);
    if (count === undefined) {
      return;
    }
    node.setAttribute('data-count', String(count));
    node.textContent = count ? 'Loaded ' + count + ' message' + (count === 1 ? '' : 's') + ' with ' + jid +
      ' from the archive (XEP-0313).' : 'The archive has no earlier messages with ' + jid + '.';
  }

  /* ---------- the feature ---------- */

  var feature = {
    name: 'chat',

    init: function (app) {
      app.on('available', function () {
        if (app.current) {
          loadHistory(app, app.current);
        }
      });
      $('chat-form').addEventListener('submit', function (event) {
        event.preventDefault();
        var input = $('chat-input');
        var text = input.value;
        if (!text.trim() || !app.current || !app.online) {
          return;
        }
        input.value = '';
        sendMessage(app, text);
        input.focus();
      });
      $('chat-input').addEventListener('input', function () {
        if ($('chat-input').value) {
          userTyped(app);
        } else {
          stopTyping(app, true);
        }
      });
      document.addEventListener('visibilitychange', function () {
        if (document.visibilityState === 'visible' && app.current) {
          markDisplayed(app, app.current);
        }
      });
      app.chat = {
        send: function (text) {
          return sendMessage(app, text);
        },
        /* Shows a message this page sent by other means (e.g. a file link) and tracks its status. */
        addOutgoing: function (jid, id, body, url) {
          insert(jid, { id: id, dir: 'out', body: body, url: url || null, time: Date.now(),
            status: app.client.sm.requested ? 'pending' : 'sent' });
          refresh(app, jid);
        }
      };
      renderConversation(app);
    },

    online: function (app, info) {
      updateControls(app);
      if (!info.resumed) {
        // XEP-0280: copies of our messages to and from other devices (the second tab).
        app.client.sendIQ(X.el('iq', { type: 'set' }, X.el('enable', { xmlns: NS.CARBONS })))
          .then(function () {
            state.carbons = true;
          }, function (e) {
            app.console.add('note', '', 'carbons not enabled: ' + e.message, app.client.transport.kind);
          });
      }
      if (app.current) {
        loadHistory(app, app.current);
      }
      renderConversation(app);
    },

    offline: function (app) {
      stopTyping(app, false);
      updateControls(app);
    },

    reset: function (app) {
      state = freshState();
      pendingCollectors = [];
      renderConversation(app);
      var node = $('history-loaded');
      node.textContent = 'Pick a contact to open the conversation and load its history from the archive (XEP-0313).';
      node.setAttribute('data-count', '');
      node.setAttribute('data-with', '');
      $('typing').textContent = '';
      $('typing').setAttribute('data-state', '');
      updateControls(app);
    },

    select: function (app, jid) {
      if (typing.composing && typing.to !== jid) {
        stopTyping(app, true);
      }
      showTyping(app, jid || '', 'active');
      updateControls(app);
      renderConversation(app);
      if (jid) {
        loadHistory(app, jid);
        markDisplayed(app, jid);
      }
    },

    message: function (app, el) {
      for (var i = 0; i < pendingCollectors.length; i++) {
        if (pendingCollectors[i](el)) {
          return;
        }
      }
      var from = el.getAttribute('from');
      // XEP-0280 §11: carbons are only genuine when they come from our own bare JID.
      var sent = X.child(el, 'sent', NS.CARBONS);
      var received = X.child(el, 'received', NS.CARBONS);
      if (sent || received) {
        if (from && app.bare(from) !== app.me) {
          return;
        }
        var inner = X.child(X.child(sent || received, 'forwarded', NS.FORWARD), 'message');
        if (inner) {
          handleChat(app, inner, sent ? 'carbon-sent' : 'carbon-received', null);
        }
        return;
      }
      if (X.child(el, 'result', NS.MAM) || X.child(el, 'event', NS.PUBSUB_EVENT)) {
        return;
      }
      handleChat(app, el, 'live', null);
    },

    acked: function (app, item) {
      if (item.name !== 'message' || !item.id) {
        return;
      }
      var found = findAnywhere(item.id);
      if (found && found.msg.dir === 'out') {
        setStatus(app, found.jid, found.msg, 'acked');
      }
    },

    save: function () {
      return state;
    },

    restore: function (app, data) {
      if (data && data.chat) {
        state = data.chat;
        renderConversation(app);
      }
    }
  };

  (P.features = P.features || []).push(feature);
}(this));
