/*
 * Portico demo: XML helpers.
 *
 * Outgoing elements are built as DOM elements and serialized by our own serializer, because some engines'
 * XMLSerializer (HtmlUnit's among them) drop namespace declarations, and XMPP needs every one of them
 * (RFC 7395 §3.3.3: each WebSocket message must be a standalone document).
 * Incoming text is parsed with DOMParser. Written for old engines: no classes, no async/await.
 */
(function (global) {
  'use strict';
  var P = global.PorticoDemo = global.PorticoDemo || {};

  var NS = {
    CLIENT: 'jabber:client',
    STREAMS: 'http://etherx.jabber.org/streams',
    FRAMING: 'urn:ietf:params:xml:ns:xmpp-framing',
    HTTPBIND: 'http://jabber.org/protocol/httpbind',
    XBOSH: 'urn:xmpp:xbosh',
    SASL: 'urn:ietf:params:xml:ns:xmpp-sasl',
    BIND: 'urn:ietf:params:xml:ns:xmpp-bind',
    SESSION: 'urn:ietf:params:xml:ns:xmpp-session',
    STANZAS: 'urn:ietf:params:xml:ns:xmpp-stanzas',
    SM: 'urn:xmpp:sm:3',
    RESUME: 'urn:portico:resume:0',
    ROSTER: 'jabber:iq:roster',
    DISCO_INFO: 'http://jabber.org/protocol/disco#info',
    DISCO_ITEMS: 'http://jabber.org/protocol/disco#items',
    CAPS: 'http://jabber.org/protocol/caps',
    RECEIPTS: 'urn:xmpp:receipts',
    MARKERS: 'urn:xmpp:chat-markers:0',
    CHATSTATES: 'http://jabber.org/protocol/chatstates',
    MAM: 'urn:xmpp:mam:2',
    RSM: 'http://jabber.org/protocol/rsm',
    DATA: 'jabber:x:data',
    FORWARD: 'urn:xmpp:forward:0',
    DELAY: 'urn:xmpp:delay',
    CARBONS: 'urn:xmpp:carbons:2',
    HINTS: 'urn:xmpp:hints',
    MUC: 'http://jabber.org/protocol/muc',
    MUC_USER: 'http://jabber.org/protocol/muc#user',
    MUC_OWNER: 'http://jabber.org/protocol/muc#owner',
    BLOCKING: 'urn:xmpp:blocking',
    UPLOAD: 'urn:xmpp:http:upload:0',
    OOB: 'jabber:x:oob',
    PUBSUB: 'http://jabber.org/protocol/pubsub',
    PUBSUB_EVENT: 'http://jabber.org/protocol/pubsub#event',
    MICROBLOG: 'urn:xmpp:microblog:0',
    ATOM: 'http://www.w3.org/2005/Atom',
    PING: 'urn:xmpp:ping',
    SID: 'urn:xmpp:sid:0',
    XML: 'http://www.w3.org/XML/1998/namespace',
    XMLNS: 'http://www.w3.org/2000/xmlns/'
  };

  /* Prefixes used when an outgoing attribute lives in a namespace. */
  var ATTR_PREFIX = {};
  ATTR_PREFIX[NS.XML] = 'xml';
  ATTR_PREFIX[NS.XBOSH] = 'xmpp';
  ATTR_PREFIX[NS.RESUME] = 'resume';

  var scratch = null;
  function scratchDoc() {
    if (!scratch) {
      scratch = document.implementation.createDocument(null, null, null);
    }
    return scratch;
  }

  /*
   * Builds an element. attrs: plain object; the key 'xmlns' sets the element's namespace (otherwise it is
   * inherited from the parent passed to a later append, or jabber:client at top level). Keys with a prefix
   * ('xml:lang', 'resume:token') are put in that prefix's namespace. children: array of elements/strings, or
   * one string (text content).
   */
  function el(name, attrs, children) {
    attrs = attrs || {};
    var ns = attrs.xmlns || null;
    var node = scratchDoc().createElementNS(ns, name);
    node.__inheritNs = !attrs.xmlns;
    Object.keys(attrs).forEach(function (key) {
      var value = attrs[key];
      if (key === 'xmlns' || value === undefined || value === null) {
        return;
      }
      var colon = key.indexOf(':');
      if (colon > 0) {
        var prefix = key.substring(0, colon);
        var attrNs = prefixNs(prefix);
        node.setAttributeNS(attrNs, key, String(value));
      } else {
        node.setAttribute(key, String(value));
      }
    });
    append(node, children);
    return node;
  }

  function prefixNs(prefix) {
    var found = null;
    Object.keys(ATTR_PREFIX).forEach(function (ns) {
      if (ATTR_PREFIX[ns] === prefix) {
        found = ns;
      }
    });
    if (!found) {
      throw new Error('Unknown attribute prefix ' + prefix);
    }
    return found;
  }

  function append(node, children) {
    if (children === undefined || children === null) {
      return node;
    }
    if (!Array.isArray(children)) {
      children = [children];
    }
    children.forEach(function (child) {
      if (child === null || child === undefined || child === false) {
        return;
      }
      if (typeof child === 'string' || typeof child === 'number') {
        node.appendChild(scratchDoc().createTextNode(String(child)));
      } else {
        node.appendChild(child);
      }
    });
    return node;
  }

  function escapeText(s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  }

  function escapeAttr(s) {
    return escapeText(s).replace(/'/g, '&apos;').replace(/"/g, '&quot;');
  }

  /*
   * Effective namespace of an element we built: its own, or inherited from the nearest ancestor that has one.
   * Elements coming from DOMParser always carry their namespace.
   */
  function effectiveNs(node, parentNs) {
    if (node.__inheritNs === true) {
      return parentNs;
    }
    return node.namespaceURI || parentNs;
  }

  /*
   * Serializes a DOM element. parentNs is the default namespace in scope around it (for a top-level
   * stanza inside a BOSH <body/> that is httpbind, over WebSocket nothing): a declaration is written
   * whenever the element's namespace differs from it. Elements built without an xmlns at top level are
   * jabber:client stanzas.
   */
  function serialize(node, parentNs) {
    return ser(node, parentNs === undefined ? null : parentNs, NS.CLIENT);
  }

  function ser(node, inScope, inherited) {
    if (node.nodeType === 3 || node.nodeType === 4) {
      return escapeText(node.nodeValue);
    }
    if (node.nodeType !== 1) {
      return '';
    }
    var ns = effectiveNs(node, inherited);
    var name = node.localName || node.nodeName;
    var out = '<' + name;
    var declared = {};
    if (ns !== inScope) {
      out += " xmlns='" + escapeAttr(ns) + "'";
    }
    var attrs = node.attributes;
    for (var i = 0; i < attrs.length; i++) {
      var a = attrs[i];
      if (a.namespaceURI === NS.XMLNS || a.name === 'xmlns' || a.name.indexOf('xmlns:') === 0) {
        continue;
      }
      if (a.namespaceURI === NS.XML) {
        out += ' xml:' + a.localName + "='" + escapeAttr(a.value) + "'";
      } else if (a.namespaceURI) {
        var p = ATTR_PREFIX[a.namespaceURI] || a.prefix || 'ns' + i;
        if (!declared[p]) {
          out += ' xmlns:' + p + "='" + escapeAttr(a.namespaceURI) + "'";
          declared[p] = true;
        }
        out += ' ' + p + ':' + a.localName + "='" + escapeAttr(a.value) + "'";
      } else {
        out += ' ' + a.name + "='" + escapeAttr(a.value) + "'";
      }
    }
    var kids = node.childNodes;
    if (!kids.length) {
      return out + '/>';
    }
    out += '>';
    for (var k = 0; k < kids.length; k++) {
      out += ser(kids[k], ns, ns);
    }
    return out + '</' + name + '>';
  }

  /* Parses one XML document; throws an Error with a readable message when it is not well-formed. */
  function parse(text) {
    var doc = new DOMParser().parseFromString(text, 'text/xml');
    var root = doc.documentElement;
    if (!root || root.nodeName === 'parsererror' ||
        doc.getElementsByTagName('parsererror').length > 0) {
      throw new Error('received XML that is not well-formed: ' + String(text).substring(0, 120));
    }
    return root;
  }

  function matches(node, name, ns) {
    return node.nodeType === 1 && (!name || node.localName === name) &&
      (ns === undefined || ns === null || node.namespaceURI === ns);
  }

  function children(node, name, ns) {
    var out = [];
    if (!node) {
      return out;
    }
    var kids = node.childNodes;
    for (var i = 0; i < kids.length; i++) {
      if (matches(kids[i], name, ns)) {
        out.push(kids[i]);
      }
    }
    return out;
  }

  function child(node, name, ns) {
    var all = children(node, name, ns);
    return all.length ? all[0] : null;
  }

  /* Follows a path of [name, ns] pairs, returning the first match or null. */
  function path(node) {
    var cur = node;
    for (var i = 1; i < arguments.length && cur; i++) {
      cur = child(cur, arguments[i][0], arguments[i][1]);
    }
    return cur;
  }

  function text(node) {
    return node ? (node.textContent || '') : '';
  }

  function childText(node, name, ns) {
    var c = child(node, name, ns);
    return c ? text(c) : null;
  }

  function attrNs(node, ns, name) {
    if (!node) {
      return null;
    }
    var v = node.getAttributeNS ? node.getAttributeNS(ns, name) : null;
    if (v === null || v === '') {
      // Some engines lose attribute namespaces; fall back to the conventional prefix.
      var prefixed = ATTR_PREFIX[ns] ? node.getAttribute(ATTR_PREFIX[ns] + ':' + name) : null;
      if (prefixed !== null && prefixed !== '') {
        return prefixed;
      }
      return v === '' ? '' : null;
    }
    return v;
  }

  /* Pretty-prints wire text for the XML console: one tag per line, indented; short text stays inline. */
  function pretty(xmlText) {
    var tokens = String(xmlText).match(/<[^>]+>|[^<]+/g) || [];
    var lines = [];
    var depth = 0;
    tokens.forEach(function (tok) {
      if (tok.charAt(0) !== '<') {
        var t = tok.trim();
        if (t) {
          lines.push(indent(depth) + t);
        }
      } else if (tok.charAt(1) === '/') {
        depth = Math.max(0, depth - 1);
        lines.push(indent(depth) + tok);
      } else if (tok.charAt(tok.length - 2) === '/' || tok.charAt(1) === '?' || tok.charAt(1) === '!') {
        lines.push(indent(depth) + tok);
      } else {
        lines.push(indent(depth) + tok);
        depth++;
      }
    });
    return lines.join('\n').replace(/(<([\w:.-]+)[^>]*>)\n\s*([^<\n]*)\n\s*(<\/\2>)/g, '$1$3$4');
  }

  function indent(n) {
    var s = '';
    for (var i = 0; i < n; i++) {
      s += '  ';
    }
    return s;
  }

  var idCounter = 0;
  function uid(prefix) {
    idCounter++;
    var rand = Math.floor(Math.random() * 0x7fffffff).toString(36);
    return (prefix || 'id') + '-' + Date.now().toString(36) + '-' + rand + '-' + idCounter;
  }

  P.NS = NS;
  P.xml = {
    el: el,
    append: append,
    serialize: serialize,
    parse: parse,
    children: children,
    child: child,
    path: path,
    text: text,
    childText: childText,
    attrNs: attrNs,
    pretty: pretty,
    escapeText: escapeText,
    escapeAttr: escapeAttr,
    uid: uid
  };
}(this));
