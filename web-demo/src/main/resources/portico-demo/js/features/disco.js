/*
 * Portico demo use case: what does this server support? Service discovery (XEP-0030) on the domain —
 * disco#info for its identity and features, disco#items for its services — plus the stream features it
 * offered after login. Also finds the upload and group chat services the other cards use.
 */
(function (global) {
  'use strict';
  var P = global.PorticoDemo = global.PorticoDemo || {};
  var X = P.xml;
  var NS = P.NS;
  var ui = P.ui;
  var $ = ui.$;
  var h = ui.h;

  /* Words for the features a web developer is most likely to look for. */
  var KNOWN = {
    'urn:xmpp:mam:2': 'Message archive (XEP-0313)',
    'urn:xmpp:carbons:2': 'Message carbons (XEP-0280)',
    'urn:xmpp:blocking': 'Blocking command (XEP-0191)',
    'urn:xmpp:ping': 'Ping (XEP-0199)',
    'urn:xmpp:sm:3': 'Stream management (XEP-0198)',
    'urn:xmpp:csi:0': 'Client state indication (XEP-0352)',
    'urn:xmpp:push:0': 'Push notifications (XEP-0357)',
    'urn:xmpp:http:upload:0': 'HTTP file upload (XEP-0363)',
    'urn:xmpp:bookmarks:1': 'Bookmarks (XEP-0402)',
    'urn:xmpp:sid:0': 'Unique stanza ids (XEP-0359)',
    'urn:xmpp:time': 'Entity time (XEP-0202)',
    'urn:xmpp:receipts': 'Delivery receipts (XEP-0184)',
    'urn:ietf:params:xml:ns:xmpp-bind': 'Resource binding (RFC 6120)',
    'urn:ietf:params:xml:ns:xmpp-session': 'Session establishment (RFC 3921, legacy)',
    'urn:ietf:params:xml:ns:xmpp-sasl': 'SASL authentication (RFC 6120)',
    'http://jabber.org/protocol/disco#info': 'Service discovery: info (XEP-0030)',
    'http://jabber.org/protocol/disco#items': 'Service discovery: items (XEP-0030)',
    'http://jabber.org/protocol/commands': 'Ad-hoc commands (XEP-0050)',
    'http://jabber.org/protocol/pubsub': 'Publish-subscribe (XEP-0060)',
    'http://jabber.org/protocol/muc': 'Multi-user chat (XEP-0045)',
    'http://jabber.org/protocol/caps': 'Entity capabilities (XEP-0115)',
    'jabber:iq:roster': 'Roster (RFC 6121)',
    'jabber:iq:version': 'Software version (XEP-0092)',
    'jabber:iq:last': 'Last activity (XEP-0012)',
    'jabber:iq:private': 'Private XML storage (XEP-0049)',
    'jabber:iq:register': 'In-band registration (XEP-0077)',
    'vcard-temp': 'vCard (XEP-0054)',
    'msgoffline': 'Offline messages (XEP-0160)',
    'urn:xmpp:features:rosterver': 'Roster versioning (RFC 6121)'
  };

  var state = freshState();

  function freshState() {
    return { identities: [], features: [], items: [], streamFeatures: [], status: '' };
  }

  function label(v) {
    if (KNOWN[v]) {
      return KNOWN[v];
    }
    if (v.indexOf('http://jabber.org/protocol/pubsub#') === 0) {
      return 'Publish-subscribe: ' + v.substring(v.indexOf('#') + 1) + ' (XEP-0060)';
    }
    if (v.indexOf('urn:xmpp:mam:') === 0) {
      return 'Message archive (XEP-0313)';
    }
    return '';
  }

  function render(app) {
    ui.sync($('disco-identities'), state.identities, function (i) {
      return i.category + '/' + i.type + '/' + i.name;
    }, function (i) {
      return h('li', { 'data-category': i.category, 'data-type': i.type,
        text: (i.name ? i.name + ' — ' : '') + i.category + '/' + i.type });
    });
    ui.sync($('disco-features'), state.features, function (v) {
      return v;
    }, function (v) {
      var words = label(v);
      return h('li', { 'data-var': v, className: words ? 'known' : null }, [
        h('code', { text: v }), words ? h('span', { text: ' ' + words }) : null
      ]);
    });
    ui.sync($('disco-items'), state.items, function (i) {
      return i.jid;
    }, function (i) {
      return h('li', { 'data-jid': i.jid, 'data-kind': i.kind || '' }, [
        h('code', { text: i.jid }), h('span', { text: ' ' + (i.description || i.name || '') })
      ]);
    });
    ui.sync($('stream-features'), state.streamFeatures, function (f) {
      return f.ns + ' ' + f.name;
    }, function (f) {
      return h('li', { 'data-var': f.ns + ' ' + f.name }, [
        h('code', { text: '<' + f.name + ' xmlns=\'' + f.ns + '\'/>' }),
        label(f.ns) ? h('span', { text: ' ' + label(f.ns) }) : null
      ]);
    });
    $('disco-status').textContent = state.status || (app.online ? '' : 'Log in to ask the server what it supports.');
  }

  function discoInfo(app, jid) {
    return app.client.sendIQ(X.el('iq', { type: 'get', to: jid }, X.el('query', { xmlns: NS.DISCO_INFO })))
      .then(function (result) {
        var q = X.child(result, 'query', NS.DISCO_INFO);
        return {
          identities: X.children(q, 'identity', NS.DISCO_INFO).map(function (i) {
            return { category: i.getAttribute('category'), type: i.getAttribute('type'), name: i.getAttribute('name') || '' };
          }),
          features: X.children(q, 'feature', NS.DISCO_INFO).map(function (f) {
            return f.getAttribute('var');
          }),
          forms: X.children(q, 'x', NS.DATA)
        };
      });
  }

  function formValue(forms, formType, field) {
    var value = null;
    forms.forEach(function (form) {
      var fields = X.children(form, 'field', NS.DATA);
      var type = fields.filter(function (f) {
        return f.getAttribute('var') === 'FORM_TYPE';
      }).map(function (f) {
        return X.childText(f, 'value', NS.DATA);
      })[0];
      if (type === formType) {
        fields.forEach(function (f) {
          if (f.getAttribute('var') === field) {
            value = X.childText(f, 'value', NS.DATA);
          }
        });
      }
    });
    return value;
  }

  function discover(app) {
    var domain = app.domain;
    state.status = 'Asking ' + domain + '…';
    render(app);
    discoInfo(app, domain).then(function (info) {
      state.identities = info.identities;
      state.features = info.features.slice().sort();
      state.status = domain + ' supports ' + info.features.length + ' features.';
      render(app);
    }, function (e) {
      state.status = 'disco#info failed: ' + e.message;
      render(app);
    });
    app.client.sendIQ(X.el('iq', { type: 'get', to: domain }, X.el('query', { xmlns: NS.DISCO_ITEMS })))
      .then(function (result) {
        state.items = X.children(X.child(result, 'query', NS.DISCO_ITEMS), 'item', NS.DISCO_ITEMS).map(function (i) {
          return { jid: i.getAttribute('jid'), name: i.getAttribute('name') || '' };
        });
        render(app);
        state.items.forEach(function (item) {
          discoInfo(app, item.jid).then(function (info) {
            var kinds = info.identities.map(function (i) {
              return i.category + '/' + i.type;
            });
            item.kind = kinds.join(' ');
            item.description = (item.name || info.identities.map(function (i) {
              return i.name;
            }).filter(Boolean)[0] || '') + ' (' + item.kind + ')';
            if (info.features.indexOf(NS.UPLOAD) >= 0) {
              app.services.upload = item.jid;
              var max = formValue(info.forms, NS.UPLOAD, 'max-file-size');
              app.services.uploadMaxSize = max ? Number(max) : null;
              item.description += ' — file upload';
            }
            if (kinds.indexOf('conference/text') >= 0) {
              app.services.muc = item.jid;
              item.description += ' — group chat';
            }
            render(app);
          }, function () {});
        });
      }, function (e) {
        state.status += ' disco#items failed: ' + e.message;
        render(app);
      });
  }

  var feature = {
    name: 'disco',

    init: function (app) {
      render(app);
    },

    online: function (app, info) {
      if (!info.resumed) {
        state = freshState();
        var features = app.client.features;
        X.children(features).forEach(function (f) {
          state.streamFeatures.push({ name: f.localName, ns: f.namespaceURI });
        });
        discover(app);
      } else {
        render(app);
      }
    },

    offline: function (app) {
      render(app);
    },

    reset: function (app) {
      state = freshState();
      app.services = {};
      render(app);
    },

    save: function () {
      return { state: state, services: P.app.services };
    },

    restore: function (app, data) {
      if (data && data.disco) {
        state = data.disco.state || freshState();
        app.services = data.disco.services || {};
        render(app);
      }
    }
  };

  (P.features = P.features || []).push(feature);
}(this));
