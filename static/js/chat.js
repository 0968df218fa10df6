/*
 * The chat pages (/chat/ for staff, /cabinet/chat for patients).
 * - Live over Socket.IO: every connection sits in its user's room; frames arrive as the
 *   event `chat` ({type: message|notification|typing|read}, docs/chat.md).
 * - Sending: the form emits a `message` frame with the open conversation's id; without a
 *   socket the form posts as usual. Messages are drawn with textContent: never as HTML.
 * - Reading: an open thread that gets a message of the other side emits `read`.
 * - History (the thread, older messages, the inbox) comes from the server through htmx.
 * - Its words come from the template (#chat-i18n).
 */
(function () {
  'use strict';

  var T = {};
  var socket = null;
  var typingTimer = null;
  var lastTyping = 0;
  var inboxTimer = null;

  function byId(id) { return document.getElementById(id); }
  function root() { return byId('chat'); }
  function me() { return parseInt(root().getAttribute('data-me'), 10); }
  function openId() {
    var thread = byId('chat-thread');
    var id = thread && thread.getAttribute('data-conversation-id');
    return id ? parseInt(id, 10) : null;
  }
  function say(text) { var node = byId('chat-status'); if (node) node.textContent = text || ''; }

  function scrollDown() {
    var list = byId('chat-messages');
    if (list) list.scrollTop = list.scrollHeight;
  }

  // A moment as the server writes it (org/clock.py local_text): on the reader's wall clock
  // (#chat data-zone, their IANA zone), `07.12.2026 14:05` in Russian, «Dec 7, 2026, 14:05»
  // otherwise; never the browser's own zone.
  function timeText(iso) {
    var moment = new Date(iso);
    if (isNaN(moment)) return '';
    var lang = document.documentElement.lang || 'ru';
    var zone = root().getAttribute('data-zone') || undefined;
    try {
      if (lang.slice(0, 2) === 'ru') {
        var parts = {};
        new Intl.DateTimeFormat('ru-RU', {timeZone: zone, day: '2-digit', month: '2-digit',
          year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23'})
          .formatToParts(moment).forEach(function (part) { parts[part.type] = part.value; });
        return parts.day + '.' + parts.month + '.' + parts.year + ' ' + parts.hour + ':' + parts.minute;
      }
      return new Intl.DateTimeFormat(lang, {timeZone: zone, day: 'numeric', month: 'short',
        year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23'}).format(moment);
    } catch (e) {
      return moment.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
    }
  }

  function mine(frame) { return frame.sender_id === me(); }

  // Staff share a side: a colleague's message is "ours" (it is not the patient's).
  function ourSide(frame) {
    if (mine(frame)) return true;
    var thread = byId('chat-thread');
    var patientUser = thread && thread.getAttribute('data-patient-user');
    return isStaff() && !!patientUser && String(frame.sender_id) !== patientUser;
  }
  function isStaff() { return root().getAttribute('data-staff') === '1'; }
  function deskThread() {
    var thread = byId('chat-thread');
    return !!thread && thread.getAttribute('data-kind') === 'desk';
  }

  function appendMessage(frame) {
    var list = byId('chat-messages');
    if (!list || frame.conversation_id !== openId()) return;
    if (list.querySelector('[data-message-id="' + frame.id + '"]')) return;  // echo and ack
    var item = document.createElement('li');
    var ours = ourSide(frame);
    item.className = 'chat-message ' + (mine(frame) ? 'chat-mine' : (ours ? 'chat-ours' : 'chat-theirs'));
    item.setAttribute('data-message-id', String(frame.id));
    item.setAttribute('data-sender-id', String(frame.sender_id));
    // As the server draws it: staff see who wrote a staff message (always at a desk).
    if (isStaff() && ours && frame.sender_name && (!mine(frame) || deskThread())) {
      var author = document.createElement('span');
      author.className = 'chat-author small muted';
      author.textContent = frame.sender_name;
      item.appendChild(author);
    }
    var text = document.createElement('p');
    text.className = 'chat-text';
    text.textContent = frame.content;
    var meta = document.createElement('span');
    meta.className = 'chat-meta small muted';
    var time = document.createElement('time');
    time.setAttribute('datetime', frame.created_at);
    time.textContent = timeText(frame.created_at);
    meta.appendChild(time);
    if (ours) {
      var tick = document.createElement('span');
      tick.className = 'chat-tick';
      tick.setAttribute('aria-label', T.sent || '');
      tick.textContent = '✓';
      meta.appendChild(document.createTextNode(' '));
      meta.appendChild(tick);
    }
    item.appendChild(text);
    item.appendChild(meta);
    list.appendChild(item);
    scrollDown();
  }

  function markRead(frame) {
    if (frame.conversation_id !== openId() || frame.reader_id === me()) return;
    var items = document.querySelectorAll('#chat-messages .chat-mine, #chat-messages .chat-ours');
    Array.prototype.forEach.call(items, function (item) {
      if (parseInt(item.getAttribute('data-message-id'), 10) > frame.last_read_id) return;
      item.classList.add('chat-read');
      var tick = item.querySelector('.chat-tick');
      if (tick) { tick.textContent = '✓✓'; tick.setAttribute('aria-label', T.read || ''); }
    });
  }

  function showTyping(frame) {
    var node = byId('chat-typing');
    if (!node || frame.conversation_id !== openId()) return;
    node.textContent = T.typing || '…';
    if (typingTimer) clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { node.textContent = ''; }, 3000);
  }

  function refreshInbox() {
    if (inboxTimer) clearTimeout(inboxTimer);
    inboxTimer = setTimeout(function () {
      inboxTimer = null;
      var search = byId('chat-q');
      var url = root().getAttribute('data-inbox-url');
      var query = [];
      if (search && search.value) query.push('q=' + encodeURIComponent(search.value));
      if (openId()) query.push('c=' + openId());
      if (window.htmx && byId('chat-inbox')) {
        window.htmx.ajax('GET', url + (query.length ? '?' + query.join('&') : ''),
          {target: '#chat-inbox', swap: 'outerHTML'});
      }
    }, 200);
  }

  function emitRead() {
    var id = openId();
    if (socket && socket.connected && id) socket.emit('chat', {type: 'read', conversation_id: id});
  }

  function onFrame(frame) {
    if (!frame || typeof frame !== 'object') return;
    if (frame.type === 'message') {
      appendMessage(frame);
      if (!mine(frame) && frame.conversation_id === openId()) {
        var node = byId('chat-typing');
        if (node) node.textContent = '';
        if (document.visibilityState !== 'hidden') emitRead();
      }
      refreshInbox();
    } else if (frame.type === 'notification') {
      refreshInbox();
    } else if (frame.type === 'typing') {
      showTyping(frame);
    } else if (frame.type === 'read') {
      markRead(frame);
      refreshInbox();
    }
  }

  function showError(text) {
    var node = byId('chat-error');
    if (node) node.textContent = text || '';
  }

  function onSubmit(evt) {
    var form = evt.target;
    if (!form || form.id !== 'chat-form') return;
    var box = byId('chat-content');
    var content = box.value;
    if (!content.trim()) {  // refused here as the server would refuse it
      evt.preventDefault();
      showError(T.blank);
      box.focus();
      return;
    }
    if (!socket || !socket.connected) return;  // plain POST
    evt.preventDefault();
    var button = byId('chat-send');
    button.disabled = true;
    socket.emit('chat', {type: 'message', conversation_id: openId(), content: content},
      function (ack) {
        button.disabled = false;
        if (ack && ack.ok) {
          box.value = '';
          showError('');
          appendMessage(ack.message);
        } else {
          var field = ack && ack.details && ack.details.content && ack.details.content[0];
          showError(field || (T.failed || '{reason}').replace('{reason}', (ack && ack.detail) || ''));
        }
      });
  }

  function onInput(evt) {
    if (!evt.target || evt.target.id !== 'chat-content') return;
    if (evt.target.value.trim()) showError('');
    if (!socket || !socket.connected) return;
    var now = Date.now();
    if (now - lastTyping < 2000 || !openId()) return;
    lastTyping = now;
    socket.emit('chat', {type: 'typing', conversation_id: openId()});
  }

  function onKey(evt) {
    // Enter sends, Shift+Enter makes a new line.
    if (evt.target && evt.target.id === 'chat-content' && evt.key === 'Enter' && !evt.shiftKey) {
      evt.preventDefault();
      var form = byId('chat-form');
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }
  }

  function markOpenRow() {
    var id = openId();
    Array.prototype.forEach.call(document.querySelectorAll('.chat-row'), function (row) {
      if (String(id) === row.getAttribute('data-conversation-id')) row.setAttribute('aria-current', 'true');
      else row.removeAttribute('aria-current');
    });
  }

  function start() {
    if (!root()) return;
    var node = byId('chat-i18n');
    T = node ? JSON.parse(node.textContent) : {};
    document.addEventListener('submit', onSubmit);
    document.addEventListener('input', onInput);
    document.addEventListener('keydown', onKey);
    document.addEventListener('htmx:afterSwap', function (evt) {
      // A thread was opened (its unread became read): scroll to its end, recount the inbox.
      var path = ((evt.detail.pathInfo && evt.detail.pathInfo.requestPath) || '').split('?')[0];
      if (/\/chat\/c\/\d+$/.test(path)) {
        scrollDown();
        refreshInbox();
      }
      markOpenRow();
    });
    scrollDown();
    markOpenRow();
    if (typeof window.io !== 'function') return;
    socket = window.io({transports: ['websocket', 'polling']});
    socket.on('connect', function () { say(T.live); root().setAttribute('data-live', '1'); });
    socket.on('disconnect', function () { say(T.lost); root().removeAttribute('data-live'); });
    socket.on('chat', onFrame);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
