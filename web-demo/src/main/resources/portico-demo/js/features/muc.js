/*
 * Portico demo use case: a group chat room (XEP-0045 Multi-User Chat) — join room@conference.localhost/nick,
 * see who is there (presence-driven occupant list), talk to everyone, leave.
 */
(function (global) {
  'use strict';
  var P = global.PorticoDemo = global.PorticoDemo || {};
  var X = P.xml;
  var NS = P.NS;
  var ui = P.ui;
  var $ = ui.$;
  var h = ui.h;

  var MAX_KEPT = 200;
  var state = freshState();

  function freshState() {
    return { room: null, nick: null, joined: false, joining: false, occupants: {}, messages: [], subject: '' };
  }

  function service(app) {
    return app.services.muc || 'conference.' + app.domain;
  }

  function roomJid(app) {
    var name = $('room').value.trim().toLowerCase();
    if (!name) {
      return null;
    }
    return name.indexOf('@') > 0 ? name : name + '@' + service(app);
  }

  function statusCodes(x) {
    return X.children(x, 'status', NS.MUC_USER).map(function (s) {
      return s.getAttribute('code');
    });
  }

  function render(app) {
    ui.sync($('occupants'), Object.keys(state.occupants).sort(), function (nick) {
      return nick;
    }, function (nick) {
      var o = state.occupants[nick];
      return h('li', { 'data-nick': nick, 'data-role': o.role, 'data-affiliation': o.affiliation,
        className: nick === state.nick ? 'me' : null }, [
        h('span', { text: nick }),
        h('small', { text: ' ' + o.role + (o.affiliation !== 'none' ? ', ' + o.affiliation : '') +
          (nick === state.nick ? ' (you)' : '') })
      ]);
    });
    var msgs = $('room-messages');
    ui.sync(msgs, state.messages, function (m) {
      return m.key;
    }, function (m) {
      return h('li', { className: 'room-message' + (m.nick === state.nick ? ' out' : ' in'),
        'data-from': m.nick, 'data-id': m.id || null, 'data-history': m.history ? 'true' : null }, [
        h('strong', { text: m.nick + ': ' }),
        h('span', { text: m.body }),
        h('time', { text: ' ' + ui.clock(m.time) })
      ]);
    });
    msgs.scrollTop = msgs.scrollHeight;
    var status = $('room-status');
    status.setAttribute('data-joined', state.joined ? 'true' : 'false');
    status.setAttribute('data-room', state.room || '');
    status.textContent = state.joined ? 'In ' + state.room + ' as ' + state.nick +
      (state.subject ? ' — subject: ' + state.subject : '') : state.joining ? 'Joining ' + state.room + '…' : 'Not in a room.';
    var online = app.online;
    $('room-join').disabled = !online || state.joined || state.joining;
    $('room-leave').disabled = !online || !state.joined;
    $('room-input').disabled = !online || !state.joined;
    $('room-send').disabled = !online || !state.joined;
  }

  function join(app) {
    var room = roomJid(app);
    var nick = $('nick').value.trim() || app.me.split('@')[0];
    if (!room) {
      app.error('Enter a room name, e.g. lobby.');
      return;
    }
    state = freshState();
    state.room = room;
    state.nick = nick;
    state.joining = true;
    app.client.send(X.el('presence', { to: room + '/' + nick }, [
      X.el('x', { xmlns: NS.MUC }, X.el('history', { maxstanzas: '20' })),
      app.client.capsElement()
    ]));
    render(app);
  }

  function leave(app) {
    if (state.room) {
      app.client.send(X.el('presence', { to: state.room + '/' + state.nick, type: 'unavailable' }));
    }
  }

  /* XEP-0045 §10.1.2: a new room is locked until its owner configures it; accept the defaults. */
  function createInstantRoom(app) {
    app.client.sendIQ(X.el('iq', { type: 'set', to: state.room },
      X.el('query', { xmlns: NS.MUC_OWNER }, X.el('x', { xmlns: NS.DATA, type: 'submit' }))))
      .then(null, function (e) {
        app.error('Could not create the room ' + state.room + ': ' + e.message);
      });
  }

  var feature = {
    name: 'muc',

    init: function (app) {
      $('room-form').addEventListener('submit', function (event) {
        event.preventDefault();
        if (app.online && !state.joined) {
          join(app);
        }
      });
      $('room-leave').addEventListener('click', function () {
        leave(app);
      });
      $('room-message-form').addEventListener('submit', function (event) {
        event.preventDefault();
        var input = $('room-input');
        var text = input.value;
        if (!text.trim() || !state.joined) {
          return;
        }
        input.value = '';
        // The room reflects our message back to us; it is shown when it comes back.
        app.client.send(X.el('message', { to: state.room, type: 'groupchat' }, X.el('body', {}, text)));
        app.client.requestAck();
      });
      render(app);
    },

    online: function (app, info) {
      if (!$('nick').value) {
        $('nick').value = app.me.split('@')[0];
      }
      if (!info.resumed) {
        state = freshState();
      }
      render(app);
    },

    offline: function (app) {
      render(app);
    },

    reset: function (app) {
      state = freshState();
      render(app);
    },

    presence: function (app, el) {
      var from = el.getAttribute('from') || '';
      var parts = P.XmppClient.parseJid(from);
      if (!state.room || parts.bare.toLowerCase() !== state.room) {
        return;
      }
      var type = el.getAttribute('type');
      var nick = parts.resource;
      if (type === 'error') {
        state.joining = false;
        state.joined = false;
        app.error('Could not join ' + state.room + ': ' + P.XmppClient.stanzaError(el));
        render(app);
        return;
      }
      var x = X.child(el, 'x', NS.MUC_USER);
      var codes = statusCodes(x);
      var self = codes.indexOf('110') >= 0 || nick === state.nick;
      if (type === 'unavailable') {
        delete state.occupants[nick];
        if (self) {
          state.joined = false;
          state.joining = false;
          state.occupants = {};
        }
      } else {
        var item = X.child(x, 'item', NS.MUC_USER);
        state.occupants[nick] = {
          role: item ? item.getAttribute('role') || 'participant' : 'participant',
          affiliation: item ? item.getAttribute('affiliation') || 'none' : 'none'
        };
        if (self) {
          state.nick = nick; // the room may have changed our nick (status 210)
          state.joined = true;
          state.joining = false;
          if (codes.indexOf('201') >= 0) {
            createInstantRoom(app);
          }
        }
      }
      render(app);
    },

    message: function (app, el) {
      var from = el.getAttribute('from') || '';
      var parts = P.XmppClient.parseJid(from);
      if (!state.room || parts.bare.toLowerCase() !== state.room) {
        return;
      }
      if (el.getAttribute('type') === 'error') {
        app.error('The room refused a message: ' + P.XmppClient.stanzaError(el));
        return;
      }
      if (el.getAttribute('type') !== 'groupchat') {
        return;
      }
      var subject = X.childText(el, 'subject');
      var body = X.childText(el, 'body');
      if (subject !== null && body === null) {
        state.subject = subject;
        render(app);
        return;
      }
      if (body === null) {
        return;
      }
      var delay = X.child(el, 'delay', NS.DELAY);
      var t = delay ? Date.parse(delay.getAttribute('stamp')) : NaN;
      state.seq = (state.seq || 0) + 1;
      state.messages.push({ key: state.seq, nick: parts.resource || state.room, body: body, time: isNaN(t) ? Date.now() : t,
        id: el.getAttribute('id'), history: !!delay });
      if (state.messages.length > MAX_KEPT) {
        state.messages.shift();
      }
      render(app);
    },

    save: function () {
      return state;
    },

    restore: function (app, data) {
      if (data && data.muc) {
        state = data.muc;
        if (state.room) {
          $('room').value = state.room.split('@')[0];
          $('nick').value = state.nick || '';
        }
        render(app);
      }
    }
  };

  (P.features = P.features || []).push(feature);
}(this));
