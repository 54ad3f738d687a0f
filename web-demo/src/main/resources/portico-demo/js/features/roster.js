/*
 * Portico demo use case: contacts — roster and presence (RFC 6121), subscription requests, and blocking
 * (XEP-0191). Selecting a contact opens the conversation (see chat.js).
 */
(function (global) {
  'use strict';
  var P = global.PorticoDemo = global.PorticoDemo || {};
  var X = P.xml;
  var NS = P.NS;
  var ui = P.ui;
  var $ = ui.$;
  var h = ui.h;

  var state = freshState();

  function freshState() {
    return {
      items: {},      // bare jid -> { jid, name, subscription, ask }
      presence: {},   // bare jid -> { resource -> { show, status } }
      requests: [],   // bare jids asking to subscribe
      blocked: {},    // bare jid -> true
      unread: {}      // bare jid -> count (kept by chat.js through app.roster.setUnread)
    };
  }

  function presenceOf(jid) {
    var resources = state.presence[jid] || {};
    var best = 'unavailable';
    var rank = { unavailable: 0, xa: 1, away: 2, dnd: 3, available: 4, chat: 5 };
    Object.keys(resources).forEach(function (r) {
      var show = resources[r].show || 'available';
      if (rank[show] > rank[best]) {
        best = show;
      }
    });
    return best;
  }

  function presenceLabel(p) {
    return { unavailable: 'offline', available: 'online', chat: 'free to chat', away: 'away', xa: 'away',
      dnd: 'busy' }[p] || p;
  }

  function render(app) {
    var jids = Object.keys(state.items).sort();
    ui.sync($('roster'), jids, function (jid) {
      return jid;
    }, function (jid) {
      var item = state.items[jid];
      var p = presenceOf(jid);
      var resources = Object.keys(state.presence[jid] || {});
      var unread = state.unread[jid] || 0;
      return h('li', {
        'data-jid': jid,
        'data-presence': p === 'unavailable' ? 'unavailable' : p === 'available' || p === 'chat' ? 'available' : 'away',
        'data-subscription': item.subscription || 'none',
        'data-blocked': state.blocked[jid] ? 'true' : 'false',
        'data-unread': String(unread),
        'aria-current': app.current === jid ? 'true' : null,
        className: app.current === jid ? 'contact selected' : 'contact'
      }, [
        h('button', { type: 'button', className: 'contact-button', 'aria-label': 'Chat with ' + (item.name || jid) }, [
          h('span', { className: 'presence-dot', 'aria-hidden': 'true' }),
          h('span', { className: 'contact-name', text: item.name || jid.split('@')[0] }),
          h('span', { className: 'contact-jid', text: jid }),
          h('span', { className: 'contact-presence', text: presenceLabel(p) +
            (resources.length > 1 ? ' (' + resources.length + ' devices)' : '') +
            (item.subscription !== 'both' ? ' · subscription: ' + (item.subscription || 'none') +
              (item.ask ? ' (asked)' : '') : '') }),
          state.blocked[jid] ? h('span', { className: 'badge blocked', text: 'blocked' }) : null,
          unread ? h('span', { className: 'badge unread', text: unread + ' new' }) : null
        ])
      ]);
    }, app.online ? 'No contacts yet: add bob@localhost below.' : 'Log in to see your contacts.');
    renderRequests();
    renderBlocklist(app);
    updateBlockButtons(app);
  }

  function renderRequests() {
    ui.sync($('subscription-requests'), state.requests, function (jid) {
      return jid;
    }, function (jid) {
      return h('li', { 'data-jid': jid }, [
        h('span', { text: jid + ' wants to see your presence ' }),
        h('button', { type: 'button', 'data-action': 'accept', 'data-jid': jid, text: 'Accept' }),
        h('button', { type: 'button', 'data-action': 'deny', 'data-jid': jid, text: 'Deny' })
      ]);
    });
    ui.show('requests-box', state.requests.length > 0);
  }

  function renderBlocklist(app) {
    ui.sync($('blocklist'), Object.keys(state.blocked).sort(), function (jid) {
      return jid;
    }, function (jid) {
      return h('li', { 'data-jid': jid }, [
        h('span', { text: jid + ' ' }),
        h('button', { type: 'button', 'data-action': 'unblock', 'data-jid': jid, text: 'Unblock',
          disabled: !app.online })
      ]);
    }, 'Nobody.');
  }

  function updateBlockButtons(app) {
    var jid = app.current;
    $('block').disabled = !app.online || !jid || !!state.blocked[jid];
    $('unblock').disabled = !app.online || !jid || !state.blocked[jid];
  }

  function rosterItem(el) {
    return {
      jid: app_bare(el.getAttribute('jid')),
      name: el.getAttribute('name') || '',
      subscription: el.getAttribute('subscription') || 'none',
      ask: el.getAttribute('ask') === 'subscribe'
    };
  }

  function app_bare(jid) {
    return P.XmppClient.bareJid(jid);
  }

  /* ---------- requests to the server ---------- */

  function fetchRoster(app) {
    return app.client.sendIQ(X.el('iq', { type: 'get' }, X.el('query', { xmlns: NS.ROSTER })))
      .then(function (result) {
        state.items = {};
        X.children(X.child(result, 'query', NS.ROSTER), 'item', NS.ROSTER).forEach(function (el) {
          var item = rosterItem(el);
          state.items[item.jid] = item;
        });
        render(app);
        app.emit('roster', state.items);
      });
  }

  function fetchBlocklist(app) {
    return app.client.sendIQ(X.el('iq', { type: 'get' }, X.el('blocklist', { xmlns: NS.BLOCKING })))
      .then(function (result) {
        state.blocked = {};
        X.children(X.child(result, 'blocklist', NS.BLOCKING), 'item', NS.BLOCKING).forEach(function (el) {
          state.blocked[app_bare(el.getAttribute('jid'))] = true;
        });
        render(app);
      }, function (e) {
        $('blocklist').setAttribute('data-error', e.message);
      });
  }

  function sendInitialPresence(app) {
    app.client.send(X.el('presence', {}, [app.client.capsElement()]));
    becameAvailable(app);
  }

  /* Tells the other features that the session is available, e.g. the archive may now be read (chat.js). */
  function becameAvailable(app) {
    app.available = true;
    app.emit('available');
  }

  function block(app, jid, blocking) {
    var name = blocking ? 'block' : 'unblock';
    return app.client.sendIQ(X.el('iq', { type: 'set' },
      X.el(name, { xmlns: NS.BLOCKING }, X.el('item', { jid: jid }))))
      .then(function () {
        if (blocking) {
          state.blocked[jid] = true;
        } else {
          delete state.blocked[jid];
        }
        render(app);
        app.emit('blocked', jid, blocking);
      }, function (e) {
        app.error('Could not ' + name + ' ' + jid + ': ' + e.message);
      });
  }

  function addContact(app, jid) {
    jid = app_bare(jid);
    if (!jid || jid.indexOf('@') < 1) {
      app.error('Enter a contact JID such as bob@localhost.');
      return;
    }
    app.client.sendIQ(X.el('iq', { type: 'set' }, X.el('query', { xmlns: NS.ROSTER }, X.el('item', { jid: jid }))))
      .then(function () {
        // Ask to see their presence, and pre-approve theirs (RFC 6121 §3.4) so it becomes mutual at once.
        app.client.send(X.el('presence', { to: jid, type: 'subscribe' }));
        app.client.send(X.el('presence', { to: jid, type: 'subscribed' }));
        $('add-contact-jid').value = '';
      }, function (e) {
        app.error('Could not add ' + jid + ': ' + e.message);
      });
  }

  function answerRequest(app, jid, accept) {
    state.requests = state.requests.filter(function (j) {
      return j !== jid;
    });
    app.client.send(X.el('presence', { to: jid, type: accept ? 'subscribed' : 'unsubscribed' }));
    if (accept && (!state.items[jid] || state.items[jid].subscription === 'none' ||
        state.items[jid].subscription === 'from')) {
      app.client.send(X.el('presence', { to: jid, type: 'subscribe' }));
    }
    render(app);
  }

  var feature = {
    name: 'roster',

    init: function (app) {
      app.roster = {
        items: function () {
          return state.items;
        },
        isBlocked: function (jid) {
          return !!state.blocked[jid];
        },
        presenceOf: presenceOf,
        setUnread: function (jid, n) {
          state.unread[jid] = n;
          render(app);
        }
      };
      $('roster').addEventListener('click', function (event) {
        var li = event.target.closest ? event.target.closest('li[data-jid]') : null;
        if (li) {
          app.selectContact(li.getAttribute('data-jid'));
        }
      });
      $('add-contact-form').addEventListener('submit', function (event) {
        event.preventDefault();
        addContact(app, $('add-contact-jid').value);
      });
      $('subscription-requests').addEventListener('click', function (event) {
        var button = event.target.closest ? event.target.closest('button[data-action]') : null;
        if (button) {
          answerRequest(app, button.getAttribute('data-jid'), button.getAttribute('data-action') === 'accept');
        }
      });
      $('blocklist').addEventListener('click', function (event) {
        var button = event.target.closest ? event.target.closest('button[data-action=unblock]') : null;
        if (button) {
          block(app, button.getAttribute('data-jid'), false);
        }
      });
      $('block').addEventListener('click', function () {
        if (app.current) {
          block(app, app.current, true);
        }
      });
      $('unblock').addEventListener('click', function () {
        if (app.current) {
          block(app, app.current, false);
        }
      });
      // Roster pushes (RFC 6121 §2.1.6): only from our own account.
      app.client.handleIq(NS.ROSTER, function (iq, query) {
        var from = iq.getAttribute('from');
        if (from && app_bare(from) !== app.me) {
          throw { condition: 'service-unavailable' };
        }
        X.children(query, 'item', NS.ROSTER).forEach(function (el) {
          var item = rosterItem(el);
          if (item.subscription === 'remove') {
            delete state.items[item.jid];
          } else {
            state.items[item.jid] = item;
          }
        });
        render(app);
        app.emit('roster', state.items);
        return null;
      });
      // Block/unblock pushes (XEP-0191 §3.3), e.g. from our other tab.
      app.client.handleIq(NS.BLOCKING, function (iq, payload) {
        var from = iq.getAttribute('from');
        if (from && app_bare(from) !== app.me) {
          throw { condition: 'service-unavailable' };
        }
        var items = X.children(payload, 'item', NS.BLOCKING);
        if (payload.localName === 'unblock' && !items.length) {
          state.blocked = {};
        }
        items.forEach(function (el) {
          var jid = app_bare(el.getAttribute('jid'));
          if (payload.localName === 'block') {
            state.blocked[jid] = true;
          } else {
            delete state.blocked[jid];
          }
        });
        render(app);
        return null;
      });
      render(app);
    },

    online: function (app, info) {
      $('add-contact').disabled = false;
      if (info.resumed) {
        // The session kept its presence and subscriptions; refresh the lists in case something changed.
        becameAvailable(app);
        render(app);
        fetchRoster(app).then(null, function () {});
        fetchBlocklist(app);
        return;
      }
      // RFC 6121 §2.2: get the roster, then send initial presence (with caps, for PEP +notify).
      fetchRoster(app).then(function () {
        sendInitialPresence(app);
      }, function (e) {
        app.error('Could not load the roster: ' + e.message);
        sendInitialPresence(app);
      });
      fetchBlocklist(app);
    },

    offline: function () {
      $('add-contact').disabled = true;
    },

    reset: function (app) {
      state = freshState();
      render(app);
    },

    select: function (app) {
      render(app);
    },

    presence: function (app, el) {
      var from = el.getAttribute('from');
      if (!from || X.child(el, 'x', NS.MUC_USER) || X.child(el, 'x', NS.MUC)) {
        return;
      }
      var jid = app_bare(from);
      var resource = P.XmppClient.parseJid(from).resource || '';
      var type = el.getAttribute('type');
      if (type === 'subscribe') {
        var item = state.items[jid];
        if (item && (item.ask || item.subscription === 'to')) {
          // We asked first: approve automatically.
          app.client.send(X.el('presence', { to: jid, type: 'subscribed' }));
        } else if (state.requests.indexOf(jid) < 0) {
          state.requests.push(jid);
        }
        render(app);
        return;
      }
      if (type === 'error') {
        if (jid !== app.me) {
          app.error('Presence error from ' + jid + ': ' + P.XmppClient.stanzaError(el));
        }
        return;
      }
      if (type && type !== 'unavailable') {
        return; // subscribed / unsubscribe / unsubscribed: the roster push tells the result
      }
      var resources = state.presence[jid] = state.presence[jid] || {};
      if (type === 'unavailable') {
        delete resources[resource];
      } else {
        resources[resource] = { show: X.childText(el, 'show') || 'available', status: X.childText(el, 'status') || '' };
      }
      if (state.items[jid]) {
        render(app);
      }
      app.emit('presence-changed', jid);
    },

    save: function () {
      return state;
    },

    restore: function (app, data) {
      if (data && data.roster) {
        state = data.roster;
        state.unread = state.unread || {};
        render(app);
      }
    }
  };

  (P.features = P.features || []).push(feature);
}(this));
