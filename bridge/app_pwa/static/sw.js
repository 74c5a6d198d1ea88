/* Service worker of the customer's app: offline shell + Background Sync of queued uploads. docs/pwa.md */
'use strict';
var CACHE = 'pv-shell-v1';
var SHELL = ['/app/', '/app/app.js', '/app/manifest.webmanifest', '/app/icon.svg',
  '/app/icon-192.png', '/app/icon-512.png'];

self.addEventListener('install', function (e) {
  e.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});
self.addEventListener('activate', function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

/* The shell: network first (so a new version shows up), the cached copy when there is no network.
   API calls are never cached here: the page keeps the last-seen state itself. */
self.addEventListener('fetch', function (e) {
  var url = new URL(e.request.url);
  if (e.request.method !== 'GET' || url.origin !== location.origin || url.pathname.indexOf('/app/api/') === 0) return;
  var key = e.request.mode === 'navigate' ? '/app/' : url.pathname;
  if (SHELL.indexOf(key) < 0) return;
  e.respondWith(fetch(e.request).then(function (r) {
    if (r.ok) { var copy = r.clone(); caches.open(CACHE).then(function (c) { c.put(key, copy); }); }
    return r;
  }).catch(function () { return caches.match(key); }));
});

function idb() {
  return new Promise(function (ok, ko) {
    var r = indexedDB.open('pv-app', 1);
    r.onupgradeneeded = function () { r.result.createObjectStore('uploads', {autoIncrement: true}); r.result.createObjectStore('kv'); };
    r.onsuccess = function () { ok(r.result); }; r.onerror = function () { ko(r.error); };
  });
}
function req(r) { return new Promise(function (ok, ko) { r.onsuccess = function () { ok(r.result); }; r.onerror = function () { ko(r.error); }; }); }

/* Background Sync: send what the page queued while offline (the page also sends it on 'online'). */
function sendQueued() {
  return idb().then(function (db) {
    var t = db.transaction(['uploads', 'kv'], 'readonly');
    return Promise.all([req(t.objectStore('kv').get('token')), req(t.objectStore('uploads').getAllKeys()),
      req(t.objectStore('uploads').getAll())]).then(function (r) {
      var token = r[0], keys = r[1], items = r[2];
      return items.reduce(function (p, item, i) {
        return p.then(function () {
          return fetch('/app/api/cases/' + item.caseId + '/evidence' + (item.kind ? '?kind=' + encodeURIComponent(item.kind) : ''),
            {method: 'POST', headers: {'Content-Type': item.type, Authorization: 'Bearer ' + token}, body: item.blob})
            .then(function (res) {
              if (res.status >= 500) throw new Error('retry later');
              return req(db.transaction('uploads', 'readwrite').objectStore('uploads').delete(keys[i]));
            });
        });
      }, Promise.resolve());
    });
  }).then(function () {
    return self.clients.matchAll().then(function (cs) { cs.forEach(function (c) { c.postMessage('uploaded'); }); });
  });
}
self.addEventListener('sync', function (e) { if (e.tag === 'pv-uploads') e.waitUntil(sendQueued()); });
