/*
 * Portico demo: SASL (RFC 6120 §6) mechanisms and a small SHA-1.
 *
 * SCRAM-SHA-1 (RFC 5802) runs on WebCrypto (crypto.subtle). When WebCrypto is missing or does not work
 * (plain-http pages on a non-loopback host, or test browsers such as HtmlUnit), PLAIN (RFC 4616) is chosen
 * automatically, but only where nobody on the network can read the password it carries: to an https: or wss:
 * endpoint, or to this machine (loopback). Over plain HTTP to any other host the login is refused with a reason
 * instead (RFC 4616 §6: PLAIN without a protecting layer exposes the password). The pure SHA-1 here is only for
 * the XEP-0115 caps hash, which must be computed even without WebCrypto; it is written from FIPS 180-4 §6.1.
 */
(function (global) {
  'use strict';
  var P = global.PorticoDemo = global.PorticoDemo || {};

  function utf8(str) {
    if (typeof TextEncoder !== 'undefined') {
      return new TextEncoder().encode(str);
    }
    var bin = unescape(encodeURIComponent(str));
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out;
  }

  function fromUtf8(bytes) {
    if (typeof TextDecoder !== 'undefined') {
      return new TextDecoder('utf-8').decode(bytes);
    }
    return decodeURIComponent(escape(bytesToBinary(bytes)));
  }

  function bytesToBinary(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) {
      s += String.fromCharCode(bytes[i]);
    }
    return s;
  }

  function toBase64(bytes) {
    return btoa(bytesToBinary(bytes));
  }

  function fromBase64(b64) {
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out;
  }

  function concat(a, b) {
    var out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  }

  /* SHA-1 of a byte array, returning 20 bytes. */
  function sha1(bytes) {
    var len = bytes.length;
    var withPad = ((len + 9 + 63) >> 6) << 6;
    var buf = new Uint8Array(withPad);
    buf.set(bytes, 0);
    buf[len] = 0x80;
    var bitLenHi = Math.floor(len / 0x20000000);
    var bitLenLo = (len * 8) >>> 0;
    buf[withPad - 8] = (bitLenHi >>> 24) & 0xff;
    buf[withPad - 7] = (bitLenHi >>> 16) & 0xff;
    buf[withPad - 6] = (bitLenHi >>> 8) & 0xff;
    buf[withPad - 5] = bitLenHi & 0xff;
    buf[withPad - 4] = (bitLenLo >>> 24) & 0xff;
    buf[withPad - 3] = (bitLenLo >>> 16) & 0xff;
    buf[withPad - 2] = (bitLenLo >>> 8) & 0xff;
    buf[withPad - 1] = bitLenLo & 0xff;
    var h0 = 0x67452301, h1 = 0xEFCDAB89, h2 = 0x98BADCFE, h3 = 0x10325476, h4 = 0xC3D2E1F0;
    var w = new Array(80);
    for (var off = 0; off < withPad; off += 64) {
      for (var t = 0; t < 16; t++) {
        var j = off + t * 4;
        w[t] = ((buf[j] << 24) | (buf[j + 1] << 16) | (buf[j + 2] << 8) | buf[j + 3]) | 0;
      }
      for (t = 16; t < 80; t++) {
        var x = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16];
        w[t] = (x << 1) | (x >>> 31);
      }
      var a = h0, b = h1, c = h2, d = h3, e = h4;
      for (t = 0; t < 80; t++) {
        var f, k;
        if (t < 20) {
          f = (b & c) | (~b & d);
          k = 0x5A827999;
        } else if (t < 40) {
          f = b ^ c ^ d;
          k = 0x6ED9EBA1;
        } else if (t < 60) {
          f = (b & c) | (b & d) | (c & d);
          k = 0x8F1BBCDC;
        } else {
          f = b ^ c ^ d;
          k = 0xCA62C1D6;
        }
        var temp = (((a << 5) | (a >>> 27)) + f + e + k + w[t]) | 0;
        e = d;
        d = c;
        c = (b << 30) | (b >>> 2);
        b = a;
        a = temp;
      }
      h0 = (h0 + a) | 0;
      h1 = (h1 + b) | 0;
      h2 = (h2 + c) | 0;
      h3 = (h3 + d) | 0;
      h4 = (h4 + e) | 0;
    }
    var out = new Uint8Array(20);
    [h0, h1, h2, h3, h4].forEach(function (h, i) {
      out[i * 4] = (h >>> 24) & 0xff;
      out[i * 4 + 1] = (h >>> 16) & 0xff;
      out[i * 4 + 2] = (h >>> 8) & 0xff;
      out[i * 4 + 3] = h & 0xff;
    });
    return out;
  }

  function subtle() {
    var c = global.crypto;
    return c && c.subtle && typeof c.subtle.importKey === 'function' ? c.subtle : null;
  }

  function hmac(keyBytes, dataBytes) {
    var s = subtle();
    return s.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-1' }, false, ['sign'])
      .then(function (key) {
        return s.sign('HMAC', key, dataBytes);
      })
      .then(function (buf) {
        return new Uint8Array(buf);
      });
  }

  function pbkdf2(passwordBytes, salt, iterations) {
    var s = subtle();
    return s.importKey('raw', passwordBytes, 'PBKDF2', false, ['deriveBits'])
      .then(function (key) {
        return s.deriveBits({ name: 'PBKDF2', salt: salt, iterations: iterations, hash: 'SHA-1' }, key, 160);
      })
      .then(function (buf) {
        return new Uint8Array(buf);
      });
  }

  function digest(bytes) {
    return subtle().digest('SHA-1', bytes).then(function (buf) {
      return new Uint8Array(buf);
    });
  }

  var scramProbe = null;
  /*
   * Resolves true when WebCrypto can do everything SCRAM-SHA-1 needs. Checked with a real computation, not
   * just by presence, because some engines expose crypto.subtle whose operations all reject.
   */
  function scramAvailable() {
    if (!scramProbe) {
      if (!subtle()) {
        scramProbe = Promise.resolve(false);
      } else {
        scramProbe = pbkdf2(utf8('pencil'), utf8('salt'), 2)
          .then(function (salted) {
            return hmac(salted, utf8('Client Key'));
          })
          .then(function (clientKey) {
            return digest(clientKey);
          })
          .then(function (stored) {
            return stored.length === 20;
          }, function () {
            return false;
          });
      }
    }
    return scramProbe;
  }

  /* A mechanism: name, initial() -> Promise<string base64 or ''>, challenge(b64) -> Promise<b64>, verify(b64). */
  function Plain(username, password) {
    this.name = 'PLAIN';
    this.username = username;
    this.password = password;
  }
  Plain.prototype.initial = function () {
    return Promise.resolve(toBase64(utf8('\u0000' + this.username + '\u0000' + this.password)));
  };
  Plain.prototype.challenge = function () {
    return Promise.reject(new Error('PLAIN does not expect a challenge'));
  };
  Plain.prototype.verify = function () {
    return true;
  };

  function saslName(name) {
    return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
  }

  function randomNonce() {
    var bytes = new Uint8Array(18);
    global.crypto.getRandomValues(bytes);
    return toBase64(bytes).replace(/[=,]/g, '');
  }

  function parseScram(message) {
    var out = {};
    message.split(',').forEach(function (part) {
      var eq = part.indexOf('=');
      if (eq > 0) {
        out[part.substring(0, eq)] = part.substring(eq + 1);
      }
    });
    return out;
  }

  function xor(a, b) {
    var out = new Uint8Array(a.length);
    for (var i = 0; i < a.length; i++) {
      out[i] = a[i] ^ b[i];
    }
    return out;
  }

  function ScramSha1(username, password) {
    this.name = 'SCRAM-SHA-1';
    this.username = username;
    this.password = password;
    this.nonce = randomNonce();
    this.clientFirstBare = 'n=' + saslName(username) + ',r=' + this.nonce;
    this.serverSignature = null;
  }
  ScramSha1.prototype.initial = function () {
    return Promise.resolve(toBase64(utf8('n,,' + this.clientFirstBare)));
  };
  ScramSha1.prototype.challenge = function (b64) {
    var self = this;
    var serverFirst = fromUtf8(fromBase64(b64));
    var attrs = parseScram(serverFirst);
    if (!attrs.r || attrs.r.indexOf(self.nonce) !== 0 || !attrs.s || !attrs.i) {
      return Promise.reject(new Error('SCRAM: the server-first-message is invalid'));
    }
    var iterations = parseInt(attrs.i, 10);
    var withoutProof = 'c=biws,r=' + attrs.r;
    var authMessage = utf8(self.clientFirstBare + ',' + serverFirst + ',' + withoutProof);
    var salted;
    var clientKey;
    return pbkdf2(utf8(self.password), fromBase64(attrs.s), iterations)
      .then(function (s) {
        salted = s;
        return hmac(salted, utf8('Client Key'));
      })
      .then(function (ck) {
        clientKey = ck;
        return digest(clientKey);
      })
      .then(function (storedKey) {
        return hmac(storedKey, authMessage);
      })
      .then(function (clientSignature) {
        var proof = xor(clientKey, clientSignature);
        return hmac(salted, utf8('Server Key')).then(function (serverKey) {
          return hmac(serverKey, authMessage);
        }).then(function (serverSignature) {
          self.serverSignature = toBase64(serverSignature);
          return toBase64(utf8(withoutProof + ',p=' + toBase64(proof)));
        });
      });
  };
  /* RFC 5802 §5: the client must check the server's signature in the success data. */
  ScramSha1.prototype.verify = function (b64) {
    if (!b64) {
      return false;
    }
    var attrs = parseScram(fromUtf8(fromBase64(b64)));
    return attrs.v === this.serverSignature;
  };

  /* 127.0.0.0/8, ::1, and localhost names (RFC 6761 §6.3): traffic that never leaves this machine. */
  function isLoopback(host) {
    // HtmlUnit percent-encodes the brackets of an IPv6 host; browsers keep them
    var h = String(host).toLowerCase().replace(/^%5b(.*)%5d$/, '[$1]');
    if (h.charAt(0) === '[') {
      h = h.substring(1, h.length - 1);
    }
    // ::1 in any spelling (some engines give 0:0:0:0:0:0:0:1)
    return h === 'localhost' || /\.localhost$/.test(h) || /^[0:]*:0*1$/.test(h) ||
      /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
  }

  /*
   * Whether PLAIN may carry the password to the endpoint at url (resolved against the page): only over TLS or
   * to loopback. A URL that cannot be read is not allowed.
   */
  function plainAllowed(url) {
    var endpoint;
    try {
      endpoint = new URL(url, global.location && global.location.href);
    } catch (e) {
      return false;
    }
    return endpoint.protocol === 'https:' || endpoint.protocol === 'wss:' || isLoopback(endpoint.hostname);
  }

  /*
   * Picks a mechanism among those offered for the endpoint at url: SCRAM-SHA-1 when offered and WebCrypto
   * works, else PLAIN where plainAllowed(url). Resolves to a mechanism object; rejects with a readable reason
   * when nothing fits.
   */
  function chooseMechanism(offered, username, password, preference, url) {
    var hasScram = offered.indexOf('SCRAM-SHA-1') >= 0;
    var hasPlain = offered.indexOf('PLAIN') >= 0;
    if (preference === 'PLAIN') {
      hasScram = false;
    }
    return (hasScram ? scramAvailable() : Promise.resolve(false)).then(function (scramOk) {
      if (scramOk) {
        return new ScramSha1(username, password);
      }
      if (hasPlain && plainAllowed(url)) {
        return new Plain(username, password);
      }
      if (hasPlain) {
        throw new Error('PLAIN would send the password unencrypted to ' + url + ': use an https:// page and ' +
          'endpoint (SCRAM needs WebCrypto, which browsers give only to secure pages) or a loopback address');
      }
      throw new Error('no usable SASL mechanism: the server offers ' + (offered.join(', ') || 'none') +
        (hasScram ? ' but WebCrypto is unavailable for SCRAM' : ''));
    });
  }

  P.sasl = {
    chooseMechanism: chooseMechanism,
    plainAllowed: plainAllowed,
    scramAvailable: scramAvailable,
    Plain: Plain,
    ScramSha1: ScramSha1
  };
  P.bytes = {
    utf8: utf8,
    fromUtf8: fromUtf8,
    toBase64: toBase64,
    fromBase64: fromBase64,
    concat: concat,
    sha1: sha1
  };
}(this));
