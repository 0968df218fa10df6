/*
 * «Подтвердить на завтра» (templates/scheduling/confirm_tomorrow.html).
 * - A refused click (400/403/404/409) still swaps in its row, which carries the reason.
 * - Other failures (a 500, no network) are told in #confirm-live, in the page's language:
 *   the texts come from the template (#confirm-i18n), never from this file.
 */
(function () {
  'use strict';

  var SWAPPED_REFUSALS = [400, 403, 404, 409];

  function texts() {
    var node = document.getElementById('confirm-i18n');
    return node ? JSON.parse(node.textContent) : {};
  }

  function say(text) {
    var live = document.getElementById('confirm-live');
    if (live) live.textContent = text || '';
  }

  document.addEventListener('htmx:beforeSwap', function (evt) {
    var xhr = evt.detail.xhr;
    if (SWAPPED_REFUSALS.indexOf(xhr.status) !== -1 &&
        (xhr.responseText || '').indexOf('data-confirm-row') !== -1) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });
  document.addEventListener('htmx:afterRequest', function (evt) {
    if (evt.detail.successful) say('');
  });
  document.addEventListener('htmx:responseError', function () { say(texts().failed); });
  document.addEventListener('htmx:sendError', function () { say(texts().offline); });
})();
