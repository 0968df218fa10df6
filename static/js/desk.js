/*
 * The front desk's Today page (/desk/).
 * - Refused steps (400/409) still swap in the board, which carries the message.
 * - Live: joins the branch's Socket.IO room and re-fetches #desk-board on any
 *   appointment event (debounced), and once a minute for the minutes waited. The
 *   board's URL (data-board-url) carries the page's filters (?show=mine|all).
 * - Its words come from the template (#desk-i18n), in the reader's language.
 */
(function () {
  'use strict';

  var EVENTS = ['appointment_created', 'appointment_updated', 'appointment_moved',
    'appointment_cancelled'];

  function words() {
    var node = document.getElementById('desk-i18n');
    return node ? JSON.parse(node.textContent) : {};
  }
  var T = words();

  document.addEventListener('htmx:beforeSwap', function (evt) {
    var xhr = evt.detail.xhr;
    if ((xhr.status === 400 || xhr.status === 409 || xhr.status === 403) &&
        xhr.responseText.indexOf('id="desk-board"') !== -1) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });

  // Other refusals (404, 403 of another branch, 500) come as a short message fragment.
  document.addEventListener('htmx:responseError', function (evt) {
    var live = document.getElementById('desk-live');
    if (!live) return;
    // DOMParser: an inert document, nothing in the answer loads or runs.
    var parsed = new DOMParser().parseFromString(evt.detail.xhr.responseText || '', 'text/html');
    live.textContent = (parsed.body.textContent || '').trim() ||
      (T.failed || '').replace('{code}', String(evt.detail.xhr.status));
  });

  function start() {
    var desk = document.getElementById('desk');
    if (!desk) return;
    var boardUrl = desk.getAttribute('data-board-url');
    var branchId = parseInt(desk.getAttribute('data-branch-id'), 10);
    var live = document.getElementById('desk-live');
    var timer = null;

    function say(text) { if (live && text) live.textContent = text; }

    function refresh() {
      timer = null;
      if (!window.htmx || !document.getElementById('desk-board')) return;
      window.htmx.ajax('GET', boardUrl, {target: '#desk-board', swap: 'outerHTML'});
    }

    function soon() {
      if (timer) clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    }

    setInterval(soon, 60000);
    if (typeof window.io !== 'function') {
      say(T.polling);
      return;
    }
    var socket = window.io({transports: ['websocket', 'polling']});
    socket.on('connect', function () {
      socket.emit('join_branch', {branch_id: branchId}, function (ack) {
        if (ack && ack.ok) {
          say(T.live);
          soon();  // catch up with what changed while disconnected
        } else {
          say((T.noLive || '').replace('{reason}', (ack && ack.detail) || T.forbidden));
        }
      });
    });
    socket.on('disconnect', function () { say(T.lost); });
    EVENTS.forEach(function (name) { socket.on(name, soon); });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
