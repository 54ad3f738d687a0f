/*
 * Portico demo use case: sending a file (XEP-0363 HTTP File Upload). Ask the upload service found by
 * disco (upload.<domain> otherwise) for a slot, PUT the file to its URL over HTTP, then send the GET URL as
 * a chat message with an XEP-0066 out-of-band link; chat.js shows images inline and other files as links.
 */
(function (global) {
  'use strict';
  var P = global.PorticoDemo = global.PorticoDemo || {};
  var X = P.xml;
  var NS = P.NS;
  var $ = P.ui.$;

  function uploadFile(app, file) {
    var jid = app.current;
    var status = $('upload-status');
    var service = app.services.upload || 'upload.' + app.domain;
    if (app.services.uploadMaxSize && file.size > app.services.uploadMaxSize) {
      status.textContent = file.name + ' is larger than the server allows (' + app.services.uploadMaxSize + ' bytes).';
      return;
    }
    status.textContent = 'Asking ' + service + ' for an upload slot…';
    status.setAttribute('data-state', 'slot');
    var contentType = file.type || 'application/octet-stream';
    app.client.sendIQ(X.el('iq', { type: 'get', to: service },
      X.el('request', { xmlns: NS.UPLOAD, filename: file.name, size: file.size, 'content-type': contentType })))
      .then(function (result) {
        var slot = X.child(result, 'slot', NS.UPLOAD);
        var put = X.child(slot, 'put', NS.UPLOAD);
        var get = X.child(slot, 'get', NS.UPLOAD);
        if (!put || !get) {
          throw new Error('the upload service returned no slot');
        }
        var headers = {};
        X.children(put, 'header', NS.UPLOAD).forEach(function (hd) {
          var name = hd.getAttribute('name');
          // §4: only these headers may be copied into the PUT request.
          if (/^(authorization|cookie|expires)$/i.test(name)) {
            headers[name] = X.text(hd).replace(/[\r\n]/g, '');
          }
        });
        status.textContent = 'Uploading ' + file.name + '…';
        status.setAttribute('data-state', 'uploading');
        return httpPut(put.getAttribute('url'), file, contentType, headers, function (pct) {
          status.textContent = 'Uploading ' + file.name + '… ' + pct + '%';
        }).then(function () {
          return get.getAttribute('url');
        });
      })
      .then(function (url) {
        var id = X.uid('m');
        app.client.send(X.el('message', { to: jid, type: 'chat', id: id }, [
          X.el('body', {}, url),
          X.el('x', { xmlns: NS.OOB }, X.el('url', {}, url)),
          X.el('request', { xmlns: NS.RECEIPTS }),
          X.el('markable', { xmlns: NS.MARKERS })
        ]));
        app.client.requestAck();
        app.chat.addOutgoing(jid, id, url, url);
        status.textContent = 'Sent ' + file.name + '.';
        status.setAttribute('data-state', 'done');
        $('upload-input').value = '';
      })
      .then(null, function (e) {
        status.textContent = 'Upload failed: ' + e.message;
        status.setAttribute('data-state', 'error');
        app.error('Could not send ' + file.name + ': ' + e.message);
      });
  }

  function httpPut(url, file, contentType, headers, progress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open('PUT', url, true);
      xhr.setRequestHeader('Content-Type', contentType);
      Object.keys(headers).forEach(function (name) {
        xhr.setRequestHeader(name, headers[name]);
      });
      if (xhr.upload) {
        xhr.upload.onprogress = function (e) {
          if (e.lengthComputable) {
            progress(Math.round(100 * e.loaded / e.total));
          }
        };
      }
      xhr.onreadystatechange = function () {
        if (xhr.readyState !== 4) {
          return;
        }
        if (xhr.status >= 200 && xhr.status < 300) {
          resolve();
        } else {
          reject(new Error(xhr.status ? 'HTTP ' + xhr.status + ' from ' + url :
            'could not reach ' + url + ' (network error or missing CORS headers)'));
        }
      };
      xhr.send(file);
    });
  }

  function updateControls(app) {
    $('upload-input').disabled = !app.online || !app.current;
  }

  var feature = {
    name: 'upload',

    init: function (app) {
      $('upload-input').addEventListener('change', function () {
        var files = $('upload-input').files;
        if (files && files.length && app.current && app.online) {
          uploadFile(app, files[0]);
        }
      });
      updateControls(app);
    },

    online: updateControls,
    offline: updateControls,
    select: updateControls,

    reset: function (app) {
      $('upload-status').textContent = '';
      $('upload-status').removeAttribute('data-state');
      updateControls(app);
    }
  };

  (P.features = P.features || []).push(feature);
}(this));
