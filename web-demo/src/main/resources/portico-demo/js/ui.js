/*
 * Portico demo: page helpers — element lookup and creation, the status line, the error banner and the
 * XML console. Nothing XMPP-specific lives here.
 */
(function (global) {
  'use strict';
  var P = global.PorticoDemo = global.PorticoDemo || {};
  var X = P.xml;

  var CONSOLE_LIMIT = 400;

  function $(id) {
    return document.getElementById(id);
  }

  /* Creates an HTML element: h('li', { 'data-jid': 'a@b', className: 'x' }, [children or text]). */
  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === undefined || value === null || value === false) {
        return;
      }
      if (key === 'className') {
        node.className = value;
      } else if (key === 'text') {
        node.textContent = value;
      } else if (key.indexOf('on') === 0 && typeof value === 'function') {
        node.addEventListener(key.substring(2), value);
      } else {
        node.setAttribute(key, value === true ? '' : String(value));
      }
    });
    (Array.isArray(children) ? children : children === undefined || children === null ? [] : [children])
      .forEach(function (c) {
        if (c === null || c === undefined || c === false) {
          return;
        }
        node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
      });
    return node;
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
    return node;
  }

  function show(node, visible) {
    if (typeof node === 'string') {
      node = $(node);
    }
    if (visible) {
      node.removeAttribute('hidden');
    } else {
      node.setAttribute('hidden', '');
    }
  }

  function pad(n, width) {
    var s = String(n);
    while (s.length < width) {
      s = '0' + s;
    }
    return s;
  }

  function clock(ms, withMillis) {
    var d = new Date(ms);
    var s = pad(d.getHours(), 2) + ':' + pad(d.getMinutes(), 2) + ':' + pad(d.getSeconds(), 2);
    return withMillis ? s + '.' + pad(d.getMilliseconds(), 3) : s;
  }

  /*
   * Updates a list in place: one element per item, matched by key (data-key), so elements that tests or
   * screen readers hold on to stay the same nodes; only changed attributes and content are touched.
   * build(item) returns a fresh element for the item; placeholder is shown when there are no items.
   */
  function sync(list, items, key, build, placeholder) {
    var existing = {};
    Array.prototype.slice.call(list.childNodes).forEach(function (node) {
      var k = node.nodeType === 1 ? node.getAttribute('data-key') : null;
      if (k === null) {
        list.removeChild(node);
      } else {
        existing[k] = node;
      }
    });
    items.forEach(function (item, i) {
      var k = String(key(item));
      var fresh = build(item);
      fresh.setAttribute('data-key', k);
      var node = existing[k];
      if (node) {
        delete existing[k];
        morph(node, fresh);
      } else {
        node = fresh;
      }
      if (list.childNodes[i] !== node) {
        list.insertBefore(node, list.childNodes[i] || null);
      }
    });
    Object.keys(existing).forEach(function (k) {
      list.removeChild(existing[k]);
    });
    if (!items.length && placeholder) {
      list.appendChild(h('li', { className: 'empty', text: placeholder }));
    }
  }

  /* Makes node look like fresh, keeping node (and children of the same shape) in place. */
  function morph(node, fresh) {
    var i;
    var old = node.attributes;
    for (i = old.length - 1; i >= 0; i--) {
      if (!fresh.hasAttribute(old[i].name)) {
        node.removeAttribute(old[i].name);
      }
    }
    var attrs = fresh.attributes;
    for (i = 0; i < attrs.length; i++) {
      if (node.getAttribute(attrs[i].name) !== attrs[i].value) {
        node.setAttribute(attrs[i].name, attrs[i].value);
      }
    }
    var a = node.childNodes;
    var b = fresh.childNodes;
    var sameShape = a.length === b.length;
    for (i = 0; sameShape && i < a.length; i++) {
      sameShape = a[i].nodeType === b[i].nodeType && a[i].nodeName === b[i].nodeName;
    }
    if (!sameShape) {
      clear(node);
      while (fresh.firstChild) {
        node.appendChild(fresh.firstChild);
      }
      return;
    }
    for (i = 0; i < a.length; i++) {
      if (a[i].nodeType === 1) {
        morph(a[i], b[i]);
      } else if (a[i].nodeValue !== b[i].nodeValue) {
        a[i].nodeValue = b[i].nodeValue;
      }
    }
  }

  /* ---------- status line and error banner ---------- */

  function setStatus(state, text) {
    var node = $('connection-status');
    node.setAttribute('data-state', state);
    node.textContent = text;
    document.body.setAttribute('data-connection', state);
  }

  function showError(message) {
    var banner = $('error');
    $('error-text').textContent = message;
    banner.setAttribute('data-shown', 'true');
    show(banner, true);
  }

  function clearError() {
    var banner = $('error');
    $('error-text').textContent = '';
    banner.setAttribute('data-shown', 'false');
    show(banner, false);
  }

  /* ---------- XML console ---------- */

  /* PLAIN carries the password in base64; keep it off the screen. */
  function maskSecrets(text) {
    return String(text).replace(/(<auth\b[^>]*mechanism=['"]PLAIN['"][^>]*>)[^<]*(<\/auth>)/g,
      '$1[credentials hidden]$2');
  }

  function XmlConsole() {
    this.list = $('console-log');
    this.counter = $('console-count');
    this.prettyBox = $('console-pretty');
    this.count = 0;
    this.saved = [];
    var self = this;
    $('console-clear').addEventListener('click', function () {
      clear(self.list);
      self.saved = [];
      self.count = 0;
      self.updateCount();
    });
    this.prettyBox.addEventListener('change', function () {
      var entries = self.saved.slice();
      clear(self.list);
      self.saved = [];
      self.count = 0;
      entries.forEach(function (e) {
        self.add(e.direction, e.text, e.note, e.transport, e.time);
      });
    });
  }

  XmlConsole.prototype.add = function (direction, text, note, transport, time) {
    time = time || Date.now();
    var shown = maskSecrets(text);
    this.saved.push({ direction: direction, text: shown, note: note, transport: transport, time: time });
    if (this.saved.length > CONSOLE_LIMIT) {
      this.saved.shift();
    }
    var label = direction === 'out' ? '→ sent' : direction === 'in' ? '← received' : '• note';
    var entry = h('li', { className: 'console-entry', 'data-direction': direction, 'data-transport': transport || '' }, [
      h('div', { className: 'console-meta' }, [
        h('span', { className: 'console-dir', text: label }),
        h('time', { text: clock(time, true) }),
        transport ? h('span', { className: 'console-transport', text: transport === 'bosh' ? 'BOSH' : 'WebSocket' }) : null,
        note ? h('span', { className: 'console-note', text: note }) : null
      ]),
      shown ? h('pre', { className: 'console-xml', text: this.prettyBox.checked ? X.pretty(shown) : shown }) : null
    ]);
    this.list.appendChild(entry);
    while (this.list.childNodes.length > CONSOLE_LIMIT) {
      this.list.removeChild(this.list.firstChild);
    }
    this.count++;
    this.updateCount();
    if (this.list.parentNode && this.list.parentNode.scrollHeight) {
      this.list.scrollTop = this.list.scrollHeight;
    }
  };

  XmlConsole.prototype.updateCount = function () {
    this.counter.textContent = String(this.count);
  };

  XmlConsole.prototype.save = function () {
    return this.saved.slice(-150);
  };

  XmlConsole.prototype.restore = function (entries) {
    var self = this;
    (entries || []).forEach(function (e) {
      self.add(e.direction, e.text, e.note, e.transport, e.time);
    });
  };

  P.ui = {
    $: $,
    h: h,
    clear: clear,
    sync: sync,
    show: show,
    clock: clock,
    setStatus: setStatus,
    showError: showError,
    clearError: clearError,
    XmlConsole: XmlConsole
  };
}(this));
