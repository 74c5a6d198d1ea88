/* Postventa — Mi caso (PWA). Sin framework; es-MX. docs/pwa.md */
'use strict';
(function () {
  var TOKEN = 'pv_token', LAST = 'pv_last', DB = 'pv-app', main, state = null, offline = false;
  var money = new Intl.NumberFormat('es-MX', {style: 'currency', currency: 'MXN'});
  var dateFmt = new Intl.DateTimeFormat('es-MX', {dateStyle: 'medium', timeStyle: 'short'});
  var dayFmt = new Intl.DateTimeFormat('es-MX', {dateStyle: 'long'});

  function $(sel) { return document.querySelector(sel); }
  function esc(v) {
    return String(v == null ? '' : v).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  function fmtDate(v) { try { return v ? dateFmt.format(new Date(v)) : ''; } catch (e) { return ''; } }
  function fmtDay(v) { try { return v ? dayFmt.format(new Date(v.length === 10 ? v + 'T12:00:00' : v)) : ''; } catch (e) { return ''; } }
  function fmtMoney(v, cur) {
    if (v == null) return '—';
    return cur && cur !== 'MXN' ? v.toFixed(2) + ' ' + cur : money.format(v);
  }
  function say(text, err) { var n = $('#notice'); n.textContent = text || ''; n.className = 'notice' + (err ? ' err' : ''); }
  function setOffline(on) { offline = on; $('#offline').hidden = !on; }

  /* ---- IndexedDB: uploads waiting for the network, and the token for the service worker ---- */
  function idb() {
    return new Promise(function (ok, ko) {
      var r = indexedDB.open(DB, 1);
      r.onupgradeneeded = function () { r.result.createObjectStore('uploads', {autoIncrement: true}); r.result.createObjectStore('kv'); };
      r.onsuccess = function () { ok(r.result); }; r.onerror = function () { ko(r.error); };
    });
  }
  function tx(store, mode, fn) {
    return idb().then(function (db) {
      return new Promise(function (ok, ko) {
        var t = db.transaction(store, mode), res = fn(t.objectStore(store));
        t.oncomplete = function () { ok(res && res.result !== undefined ? res.result : res); };
        t.onerror = function () { ko(t.error); };
      });
    });
  }

  function token() { return localStorage.getItem(TOKEN); }
  function api(path, opts) {
    opts = opts || {};
    opts.headers = Object.assign({Authorization: 'Bearer ' + token()}, opts.headers || {});
    return fetch('/app/api' + path, opts).then(function (r) {
      setOffline(false);
      if (r.status === 401) { refused(); throw new Error('401'); }
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) { var e = new Error(body.detail || 'Error ' + r.status); e.status = r.status; throw e; }
        return body;
      });
    }, function (e) { setOffline(true); e.network = true; throw e; });
  }

  function refused() {
    localStorage.removeItem(TOKEN); localStorage.removeItem(LAST);
    tx('kv', 'readwrite', function (s) { return s.delete('token'); }).catch(function () {});
    main.innerHTML = '<h1>Este enlace ya no es válido</h1><p class="lead">Venció, fue revocado o no es correcto. ' +
      'Escríbenos por WhatsApp y te enviamos uno nuevo para ver tu caso.</p>';
  }

  /* ---- screens ---- */
  function nav(name) {
    document.querySelectorAll('[data-nav]').forEach(function (a) {
      if (a.getAttribute('data-nav') === name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    });
  }
  function listView() {
    nav('casos');
    if (!state) return;
    var h = '<h1>Mis casos</h1>';
    if (offline && state.saved_at) h += '<p class="lead">Última actualización: ' + esc(fmtDate(state.saved_at)) + '</p>';
    if (!state.cases.length) h += '<p class="lead">Aún no tienes casos registrados. Escríbenos por WhatsApp para abrir uno.</p>';
    state.cases.forEach(function (c) {
      var cur = c.timeline.filter(function (s) { return s.current; })[0];
      h += '<section class="card" aria-labelledby="c' + c.id + '"><h2 id="c' + c.id + '">' + esc(c.ref) + '</h2>' +
        '<p>' + esc(c.fault || 'Falla por precisar') + (c.vehicle.plate ? ' · Placas ' + esc(c.vehicle.plate) : '') + '</p>' +
        '<p><strong>' + esc(cur ? cur.label : '') + '.</strong> ' + esc(c.decision.title) + '.</p>' +
        (c.missing.length ? '<p class="miss">Faltan ' + c.missing.length + ' evidencia(s).</p>' : '') +
        (c.quote && c.quote.can_answer ? '<p class="miss">Tienes una cotización por responder.</p>' : '') +
        '<a class="more" href="#/caso/' + c.id + '">Ver detalle de ' + esc(c.ref) + '</a></section>';
    });
    main.innerHTML = h;
  }

  function caseById(id) { return state && state.cases.filter(function (c) { return String(c.id) === String(id); })[0]; }

  function caseView(id) {
    nav('casos');
    var c = caseById(id);
    if (!c) { main.innerHTML = '<h1>Caso no encontrado</h1><p><a href="#/">Volver a mis casos</a></p>'; return; }
    var h = '<p><a href="#/">← Mis casos</a></p><h1>' + esc(c.ref) + '</h1><p class="lead">' + esc(c.fault || 'Falla por precisar') +
      (c.created_at ? ' · Reportado el ' + esc(fmtDate(c.created_at)) : '') + '</p>';
    h += '<h2>Avance</h2><ol class="tl">' + c.timeline.map(function (s) {
      return '<li class="' + (s.done ? 'done' : '') + (s.current ? ' cur' : '') + '"' + (s.current ? ' aria-current="step"' : '') + '>' +
        esc(s.label) + (s.done ? '<span class="sr"> (listo)</span>' : '') + '</li>';
    }).join('') + '</ol>';
    h += '<h2>Garantía</h2><p><strong>' + esc(c.decision.title) + '.</strong> ' + esc(c.decision.hint) + '</p>';
    if (c.decision.reasons.length) h += '<ul>' + c.decision.reasons.map(function (r) { return '<li>' + esc(r) + '</li>'; }).join('') + '</ul>';
    if (c.ticket) h += '<p>Número de ticket de garantía: <strong id="ticket">' + esc(c.ticket) + '</strong></p>';
    h += '<h2>Evidencias</h2>';
    if (!c.evidence.length) h += '<p>No te pedimos evidencias para este caso.</p>';
    h += '<ul class="ev">' + c.evidence.map(function (e) {
      var fid = 'f-' + c.id + '-' + e.code;
      return '<li><span class="' + (e.provided ? 'ok' : 'miss') + '">' + (e.provided ? 'Recibida' : 'Falta') + ':</span> ' + esc(e.label) +
        (e.provided ? '' : '<br><label class="btn up">Enviar ' + esc(e.label.toLowerCase()) +
          '<input type="file" class="sr" id="' + fid + '" data-case="' + c.id + '" data-kind="' + esc(e.code) + '" accept="image/*,video/mp4,application/pdf"></label>') + '</li>';
    }).join('') + '</ul>';
    if (c.quote) h += quoteHtml(c);
    else if (c.decision.outcome === 'no_eligible') {
      h += '<h2>Refacciones sugeridas</h2><div id="parts"><button class="sec" data-act="parts" data-case="' + c.id + '">Ver refacciones y proveedores</button></div>';
      h += c.can_request_quote ? '<div class="row"><button data-act="quote-request" data-case="' + c.id + '">Solicitar cotización</button></div>'
        : (c.quote_requested ? '<p class="ok">Ya pediste tu cotización; te avisaremos cuando esté lista.</p>' : '');
    }
    main.innerHTML = h;
  }

  function quoteHtml(c) {
    var q = c.quote, h = '<h2>Cotización ' + esc(q.name || '') + '</h2><p>Estado: <strong id="quote-state">' + esc(q.state_label) + '</strong></p>';
    h += '<table><caption class="sr">Conceptos de la cotización</caption><thead><tr><th scope="col">Concepto</th><th scope="col" class="n">Cant.</th><th scope="col" class="n">Importe</th></tr></thead><tbody>' +
      q.lines.map(function (l) {
        return '<tr><td>' + esc(l.name) + (l.labor && !/mano de obra/i.test(l.name) ? ' (mano de obra)' : '') + '</td><td class="n">' + esc(l.qty) + '</td><td class="n">' + esc(fmtMoney(l.subtotal, q.currency)) + '</td></tr>';
      }).join('') + '</tbody><tfoot>' +
      '<tr><td colspan="2">Subtotal</td><td class="n">' + esc(fmtMoney(q.amount_untaxed, q.currency)) + '</td></tr>' +
      '<tr><td colspan="2">IVA e impuestos</td><td class="n">' + esc(fmtMoney(q.taxes, q.currency)) + '</td></tr>' +
      '<tr><td colspan="2">Total</td><td class="n" id="quote-total">' + esc(fmtMoney(q.amount_total, q.currency)) + '</td></tr></tfoot></table>';
    h += '<p>' + (q.valid_until ? 'Válida hasta el ' + esc(fmtDay(q.valid_until)) + '.' : 'Vigencia: confírmala con tu asesor.') +
      (q.promised_date ? ' Fecha estimada de entrega de piezas: ' + esc(fmtDay(q.promised_date)) + '.' : '') + '</p>';
    if (q.can_answer) h += '<div class="row"><button data-act="accept" data-case="' + c.id + '">Aceptar cotización</button>' +
      '<button class="sec" data-act="decline" data-case="' + c.id + '">Rechazar</button></div>';
    return h;
  }

  function partsHtml(d) {
    if (!d.parts.length) return '<p>No hay refacciones sugeridas por ahora.</p>';
    return d.parts.map(function (p) {
      var sup = p.proveedores.map(function (s) {
        return '<li>' + esc(s.name) + ': ' + esc(s.price != null ? fmtMoney(s.price, s.currency) : 'precio por confirmar') +
          (s.stock ? ' · en existencia' : ' · sobre pedido') + (s.lead_time_days != null ? ' · entrega en ' + esc(s.lead_time_days) + ' días' : '') + '</li>';
      }).join('');
      return '<div class="card"><h3>' + esc(p.name || p.part_number) + '</h3><p>Número de parte: ' + esc(p.part_number) +
        (p.brand ? ' (' + esc(p.brand) + ')' : '') + (p.toyota_part_number && p.toyota_part_number !== p.part_number ? ' · Toyota ' + esc(p.toyota_part_number) : '') + '</p>' +
        (p.warranty_note ? '<p>' + esc(p.warranty_note) + '</p>' : '') +
        (sup ? '<h4>Proveedores nacionales</h4><ul>' + sup + '</ul>' : '<p>Sin proveedores nacionales registrados.</p>') + '</div>';
    }).join('');
  }

  function manualView() {
    nav('manual');
    main.innerHTML = '<h1>Pregunta al manual</h1><form id="ask"><label for="q">Tu pregunta</label>' +
      '<textarea id="q" name="q" required minlength="2" maxlength="500" placeholder="Ej. ¿Cada cuánto cambio el aceite?"></textarea>' +
      '<div class="row"><button type="submit">Preguntar</button></div></form><div id="answer" aria-live="polite"></div>';
  }

  function dataView() {
    nav('datos');
    main.innerHTML = '<h1>Mis datos</h1><p id="data-load">Cargando…</p>';
    api('/my-data').then(function (d) {
      var h = '<h1>Mis datos</h1><p class="lead">Esto es lo que guardamos de ti en el canal de WhatsApp.</p><dl>' +
        '<dt>Número</dt><dd>' + esc(d.contact) + '</dd><dt>Nombre</dt><dd>' + esc(d.name || '—') + '</dd>' +
        '<dt>Mensajes recibidos</dt><dd>' + esc(d.messages) + '</dd><dt>Casos</dt><dd>' + esc(d.cases.length) + '</dd>' +
        '<dt>Archivos</dt><dd>' + esc(d.files.length) + '</dd></dl>';
      h += d.erasure_requested_at ? '<p class="ok" id="erasure">Solicitaste el borrado de tus datos el ' + esc(fmtDate(d.erasure_requested_at)) + '. Un asesor lo atenderá.</p>'
        : '<h2>Borrar mis datos</h2><p>Un asesor revisará tu solicitud. Los registros de garantía se conservan sin tus datos personales, como pide la ley.</p>' +
          '<button class="sec" data-act="erase">Solicitar borrado de mis datos</button>';
      main.innerHTML = h;
    }).catch(function (e) { if (e.network) main.innerHTML = '<h1>Mis datos</h1><p>Necesitas conexión para ver tus datos.</p>'; });
  }

  function route() {
    var m = location.hash.match(/^#\/caso\/(\d+)/);
    if (location.hash === '#/manual') manualView();
    else if (location.hash === '#/datos') dataView();
    else if (m) caseView(m[1]);
    else listView();
  }

  function setState(d, saved) {
    state = d;
    if (!saved) { d.saved_at = new Date().toISOString(); localStorage.setItem(LAST, JSON.stringify(d)); }
  }
  function refresh() {
    return api('/me').then(function (d) { setState(d); route(); }, function (e) {
      if (e.network) {
        var last = localStorage.getItem(LAST);
        if (last) { setState(JSON.parse(last), true); route(); }
        else main.innerHTML = '<h1>Mi caso</h1><p class="lead">Sin conexión y aún no hay información guardada en este teléfono.</p>';
      }
    });
  }

  /* ---- uploads, queued when offline ---- */
  function send(item) {
    return api('/cases/' + item.caseId + '/evidence' + (item.kind ? '?kind=' + encodeURIComponent(item.kind) : ''),
      {method: 'POST', headers: {'Content-Type': item.type}, body: item.blob});
  }
  function queueUpload(item) {
    return tx('uploads', 'readwrite', function (s) { return s.add(item); }).then(function () {
      say('Sin conexión: guardamos tu archivo y lo enviaremos en cuanto vuelva la señal.');
      return navigator.serviceWorker && navigator.serviceWorker.ready.then(function (reg) {
        return reg.sync && reg.sync.register('pv-uploads');
      }).catch(function () {});
    });
  }
  var flushing = false;
  function flush() {
    if (flushing || !token()) return Promise.resolve();
    flushing = true;
    return idb().then(function (db) {
      return new Promise(function (ok) {
        var out = [], t = db.transaction('uploads', 'readonly'), cur = t.objectStore('uploads').openCursor();
        cur.onsuccess = function () { var c = cur.result; if (c) { out.push([c.key, c.value]); c.continue(); } };
        t.oncomplete = function () { ok(out); };
      });
    }).then(function (items) {
      return items.reduce(function (p, kv) {
        return p.then(function () {
          return send(kv[1]).then(function () {
            return tx('uploads', 'readwrite', function (s) { return s.delete(kv[0]); }).then(function () { say('Enviamos el archivo que tenías pendiente.'); });
          }, function (e) { if (!e.network) return tx('uploads', 'readwrite', function (s) { return s.delete(kv[0]); }); throw e; });
        });
      }, Promise.resolve()).then(function () { if (items.length) return refresh(); });
    }).catch(function () {}).then(function () { flushing = false; });
  }
  function upload(input) {
    var file = input.files && input.files[0];
    if (!file) return;
    var item = {caseId: input.getAttribute('data-case'), kind: input.getAttribute('data-kind'), type: file.type || 'application/octet-stream', blob: file};
    if (!navigator.onLine) { queueUpload(item); return; }
    say('Enviando…');
    send(item).then(function (r) {
      say(r.duplicate ? 'Ya teníamos ese archivo; quedó registrado.' : 'Recibimos tu evidencia. ¡Gracias!');
      var i = state.cases.findIndex(function (c) { return c.id === r.case.id; });
      if (i >= 0) state.cases[i] = r.case;
      setState(state); route();
    }, function (e) { if (e.network) queueUpload(item); else say(e.message, true); });
  }

  function act(btn) {
    var a = btn.getAttribute('data-act'), id = btn.getAttribute('data-case');
    var done = function (r) { if (r.case) { var i = state.cases.findIndex(function (c) { return c.id === r.case.id; }); state.cases[i] = r.case; setState(state); route(); } };
    var fail = function (e) { say(e.network ? 'Sin conexión: inténtalo cuando vuelva la señal.' : e.message, true); btn.disabled = false; };
    btn.disabled = true;
    if (a === 'accept') api('/cases/' + id + '/quote/accept', {method: 'POST'}).then(function (r) { done(r); say('Aceptaste la cotización. Te avisaremos cuando lleguen las piezas.'); }, fail);
    else if (a === 'decline') api('/cases/' + id + '/quote/decline', {method: 'POST'}).then(function (r) { done(r); say('Registramos que rechazaste la cotización. Un asesor te contactará.'); }, fail);
    else if (a === 'quote-request') api('/cases/' + id + '/quote-request', {method: 'POST'}).then(function (r) { done(r); say('Pedimos tu cotización. Te avisaremos por aquí y por WhatsApp.'); }, fail);
    else if (a === 'parts') api('/cases/' + id + '/spareparts').then(function (d) { $('#parts').innerHTML = partsHtml(d); }, fail);
    else if (a === 'erase') api('/erasure-request', {method: 'POST'}).then(function () { say('Recibimos tu solicitud de borrado. Un asesor la atenderá.'); dataView(); }, fail);
  }

  function ask(form) {
    var q = form.q.value.trim(), out = $('#answer');
    out.textContent = 'Buscando…';
    api('/ask', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({query: q})}).then(function (r) {
      out.innerHTML = r.passages.length ? '<h2>Lo que dice el manual</h2>' + r.passages.map(function (p) {
        return '<blockquote><p>' + esc(p.text) + '</p><cite>' + esc(p.source) + (p.section ? ' · ' + esc(p.section) : '') + (p.page ? ' · pág. ' + esc(p.page) : '') + '</cite></blockquote>';
      }).join('') : '<p>No encontramos eso en el manual. Pregúntale a tu asesor por WhatsApp.</p>';
    }, function (e) { out.textContent = e.network ? 'Necesitas conexión para consultar el manual.' : e.message; });
  }

  function start() {
    main = $('#main');
    var m = location.hash.match(/[#&]t=([\w.\-]+)/);
    if (m) {
      localStorage.setItem(TOKEN, m[1]);
      history.replaceState(null, '', location.pathname);
    }
    if (!token()) {
      main.innerHTML = '<h1>Mi caso</h1><p class="lead">Abre el enlace «Ver mi caso» que te enviamos por WhatsApp.</p>';
      return;
    }
    tx('kv', 'readwrite', function (s) { return s.put(token(), 'token'); }).catch(function () {});
    var last = localStorage.getItem(LAST);
    if (last) { setState(JSON.parse(last), true); route(); }
    setOffline(!navigator.onLine);
    /* The service worker (and its shell download) waits until the first screen is up: it must not compete
       with the first paint on a slow network. */
    refresh().then(function () {
      if ('serviceWorker' in navigator) navigator.serviceWorker.register('/app/sw.js', {scope: '/app/'}).catch(function () {});
      return flush();
    });
    addEventListener('hashchange', function () { say(''); route(); main.focus(); });
    addEventListener('online', function () { setOffline(false); flush(); refresh(); });
    addEventListener('offline', function () { setOffline(true); });
    document.addEventListener('change', function (e) { if (e.target.matches('input[type=file]')) upload(e.target); });
    document.addEventListener('click', function (e) { var b = e.target.closest('button[data-act]'); if (b) act(b); });
    document.addEventListener('submit', function (e) { if (e.target.id === 'ask') { e.preventDefault(); ask(e.target); } });
    if (navigator.serviceWorker) navigator.serviceWorker.addEventListener('message', function (e) { if (e.data === 'uploaded') refresh(); });
  }
  start();
})();
