/*
 * Portico demo use case: a small feed on publish-subscribe. Each user publishes Atom entries to the PEP
 * node urn:xmpp:microblog:0 on their own account (XEP-0060 + XEP-0163 + XEP-0277). Contacts get live
 * notifications because this client advertises urn:xmpp:microblog:0+notify in its caps (XEP-0115); on
 * login the page also fetches the latest items from its own node and each contact's.
 */
(function (global) {
  'use strict';
  var P = global.PorticoDemo = global.PorticoDemo || {};
  var X = P.xml;
  var NS = P.NS;
  var ui = P.ui;
  var $ = ui.$;
  var h = ui.h;

  var MAX_KEPT = 100;
  var state = freshState();

  function freshState() {
    return { items: [] }; // { key, id, publisher, text, time }
  }

  function entryOf(item, publisher) {
    var entry = X.child(item, 'entry', NS.ATOM);
    if (!entry) {
      return null;
    }
    var published = Date.parse(X.childText(entry, 'published', NS.ATOM) || X.childText(entry, 'updated', NS.ATOM) || '');
    return {
      key: publisher + '#' + item.getAttribute('id'),
      id: item.getAttribute('id'),
      publisher: publisher,
      text: X.childText(entry, 'title', NS.ATOM) || X.childText(entry, 'content', NS.ATOM) || '',
      time: isNaN(published) ? Date.now() : published
    };
  }

  function add(entry) {
    if (!entry) {
      return;
    }
    state.items = state.items.filter(function (i) {
      return i.key !== entry.key;
    });
    state.items.push(entry);
    state.items.sort(function (a, b) {
      return b.time - a.time;
    });
    if (state.items.length > MAX_KEPT) {
      state.items.length = MAX_KEPT;
    }
  }

  function render(app) {
    ui.sync($('feed'), state.items, function (i) {
      return i.key;
    }, function (i) {
      return h('li', { 'data-item-id': i.id, 'data-publisher': i.publisher,
        className: i.publisher === app.me ? 'mine' : null }, [
        h('strong', { text: i.publisher.split('@')[0] }),
        h('span', { text: ' ' + i.text }),
        h('time', { text: ' ' + ui.clock(i.time) })
      ]);
    }, app.online ? 'No posts yet.' : 'Log in to see posts.');
    $('feed-input').disabled = !app.online;
    $('feed-publish').disabled = !app.online;
  }

  function fetchItems(app, jid) {
    return app.client.sendIQ(X.el('iq', { type: 'get', to: jid },
      X.el('pubsub', { xmlns: NS.PUBSUB }, X.el('items', { node: NS.MICROBLOG, max_items: '10' }))))
      .then(function (result) {
        var items = X.child(X.child(result, 'pubsub', NS.PUBSUB), 'items', NS.PUBSUB);
        X.children(items, 'item', NS.PUBSUB).forEach(function (item) {
          add(entryOf(item, jid));
        });
        render(app);
      }, function () {
        // No node yet (item-not-found) or not allowed to see it: nothing to show.
      });
  }

  function publish(app, text) {
    var id = X.uid('post');
    var now = new Date().toISOString();
    var entry = X.el('entry', { xmlns: NS.ATOM }, [
      X.el('title', { type: 'text' }, text),
      X.el('author', {}, [X.el('name', {}, app.me.split('@')[0]), X.el('uri', {}, 'xmpp:' + app.me)]),
      X.el('id', {}, 'tag:' + app.domain + ',' + now.substring(0, 10) + ':' + id),
      X.el('published', {}, now),
      X.el('updated', {}, now)
    ]);
    var status = $('feed-status');
    status.textContent = 'Publishing…';
    return app.client.sendIQ(X.el('iq', { type: 'set' }, X.el('pubsub', { xmlns: NS.PUBSUB },
      X.el('publish', { node: NS.MICROBLOG }, X.el('item', { id: id }, entry)))))
      .then(function () {
        add({ key: app.me + '#' + id, id: id, publisher: app.me, text: text, time: Date.now() });
        status.textContent = 'Published to ' + NS.MICROBLOG + ' on ' + app.me + '.';
        render(app);
      }, function (e) {
        status.textContent = 'Could not publish: ' + e.message;
        app.error('Could not publish to the feed: ' + e.message);
      });
  }

  var feature = {
    name: 'feed',

    init: function (app) {
      $('feed-form').addEventListener('submit', function (event) {
        event.preventDefault();
        var input = $('feed-input');
        var text = input.value.trim();
        if (!text || !app.online) {
          return;
        }
        input.value = '';
        publish(app, text);
      });
      app.on('roster', function (items) {
        if (!feature.fetchedFor) {
          return;
        }
        Object.keys(items).forEach(function (jid) {
          var sub = items[jid].subscription;
          if ((sub === 'both' || sub === 'to') && !feature.fetchedFor[jid]) {
            feature.fetchedFor[jid] = true;
            fetchItems(app, jid);
          }
        });
      });
      render(app);
    },

    online: function (app, info) {
      if (!info.resumed) {
        state = freshState();
        feature.fetchedFor = {};
        feature.fetchedFor[app.me] = true;
        fetchItems(app, app.me);
      } else {
        feature.fetchedFor = feature.fetchedFor || {};
      }
      render(app);
    },

    offline: function (app) {
      render(app);
    },

    reset: function (app) {
      state = freshState();
      feature.fetchedFor = null;
      $('feed-status').textContent = '';
      render(app);
    },

    message: function (app, el) {
      var event = X.child(el, 'event', NS.PUBSUB_EVENT);
      if (!event) {
        return;
      }
      var publisher = app.bare(el.getAttribute('from') || app.me);
      var items = X.child(event, 'items', NS.PUBSUB_EVENT);
      if (!items || items.getAttribute('node') !== NS.MICROBLOG) {
        return;
      }
      X.children(items, 'item', NS.PUBSUB_EVENT).forEach(function (item) {
        var entry = X.child(item, 'entry', NS.ATOM);
        if (entry) {
          add(entryOf(item, publisher));
        }
      });
      X.children(items, 'retract', NS.PUBSUB_EVENT).forEach(function (r) {
        var key = publisher + '#' + r.getAttribute('id');
        state.items = state.items.filter(function (i) {
          return i.key !== key;
        });
      });
      render(app);
    },

    save: function () {
      return { state: state, fetchedFor: feature.fetchedFor || {} };
    },

    restore: function (app, data) {
      if (data && data.feed) {
        state = data.feed.state || freshState();
        feature.fetchedFor = data.feed.fetchedFor || {};
        render(app);
      }
    }
  };

  (P.features = P.features || []).push(feature);
}(this));
