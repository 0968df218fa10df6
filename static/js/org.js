/*
 * Clinic settings: copy Monday's opening hours to the other weekdays.
 * Loaded with `defer` on the branch form only (no inline scripts: CSP).
 */
(function () {
  'use strict';

  var WEEKDAYS = ['tue', 'wed', 'thu', 'fri'];

  document.addEventListener('click', function (evt) {
    var button = evt.target.closest('[data-hours-copy]');
    if (!button) return;
    evt.preventDefault();
    var form = button.closest('form');
    var monday = form && form.querySelector('[data-hours-day="mon"]');
    if (!monday) return;
    WEEKDAYS.forEach(function (day) {
      var input = form.querySelector('[data-hours-day="' + day + '"]');
      if (input) {
        input.value = monday.value;
        input.dispatchEvent(new Event('change', { bubbles: true }));
      }
    });
  });
})();
