/*
 * Searchable checkbox lists (templates/components/_checkbox_picker.html).
 *
 * Without this script a picker is a plain list of checkboxes that posts as it is; with
 * it the list gets a filter box (case and the letter yo ignored, every typed word must
 * appear), buttons that tick or clear only the items the filter shows, and a live count
 * of the chosen ones. Keyboard: ArrowDown from the filter goes into the list, ArrowUp /
 * ArrowDown move between the shown items (ArrowUp from the first one goes back to the
 * filter), Escape empties the filter, Enter in the filter does not submit the form.
 * Pickers that htmx swaps in are set up too. The page holds all the words; none here.
 */
(function () {
  'use strict';

  var YO = /\u0451/g;
  var YE = '\u0435';

  function fold(text) {
    return (text || '').toLowerCase().replace(YO, YE);
  }

  function items(picker) {
    return Array.prototype.slice.call(picker.querySelectorAll('[data-picker-item]'));
  }

  function checkbox(item) {
    return item.querySelector('input[type="checkbox"]');
  }

  function shownBoxes(picker) {
    return items(picker).filter(function (item) { return !item.hidden; }).map(checkbox);
  }

  function count(picker) {
    var chosen = picker.querySelectorAll('[data-picker-item] input[type="checkbox"]:checked');
    var output = picker.querySelector('[data-picker-count]');
    if (output) output.textContent = String(chosen.length);
  }

  function filter(picker) {
    var input = picker.querySelector('[data-picker-filter]');
    var words = fold(input ? input.value : '').split(/\s+/).filter(Boolean);
    var shown = 0;
    items(picker).forEach(function (item) {
      var text = item.getAttribute('data-picker-text');
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      item.hidden = !match;
      if (match) shown += 1;
    });
    var empty = picker.querySelector('[data-picker-empty]');
    if (empty) empty.hidden = shown > 0;
  }

  function tick(picker, value) {
    shownBoxes(picker).forEach(function (box) {
      if (box.disabled || box.checked === value) return;
      box.checked = value;
      box.dispatchEvent(new Event('change', { bubbles: true }));
    });
    count(picker);
  }

  function init(picker) {
    if (picker.hasAttribute('data-picker-ready')) return;
    picker.setAttribute('data-picker-ready', '');
    items(picker).forEach(function (item) {
      item.setAttribute('data-picker-text', fold(item.textContent).replace(/\s+/g, ' '));
    });
    var tools = picker.querySelector('[data-picker-tools]');
    if (tools) tools.hidden = false;
    count(picker);
  }

  function initAll(root) {
    if (root.matches && root.matches('[data-picker]')) init(root);
    if (root.querySelectorAll) root.querySelectorAll('[data-picker]').forEach(init);
  }

  function pickerOf(element) {
    return element && element.closest ? element.closest('[data-picker-ready]') : null;
  }

  document.addEventListener('input', function (evt) {
    var picker = pickerOf(evt.target);
    if (picker && evt.target.matches('[data-picker-filter]')) filter(picker);
  });

  document.addEventListener('change', function (evt) {
    var picker = pickerOf(evt.target);
    if (picker && evt.target.matches('input[type="checkbox"]')) count(picker);
  });

  document.addEventListener('click', function (evt) {
    var button = evt.target.closest && evt.target.closest('[data-picker-all], [data-picker-none]');
    var picker = pickerOf(button);
    if (!picker) return;
    tick(picker, button.hasAttribute('data-picker-all'));
  });

  function move(picker, from, step) {
    var boxes = shownBoxes(picker);
    var index = boxes.indexOf(from) + step;
    var input = picker.querySelector('[data-picker-filter]');
    if (index < 0) {
      if (input) input.focus();
    } else if (index < boxes.length) {
      boxes[index].focus();
    }
  }

  document.addEventListener('keydown', function (evt) {
    var picker = pickerOf(evt.target);
    if (!picker) return;
    var isFilter = evt.target.matches('[data-picker-filter]');
    var isBox = evt.target.matches('[data-picker-item] input[type="checkbox"]');
    if (isFilter && evt.key === 'Enter') {
      evt.preventDefault();  // choosing, not sending the form
    } else if (isFilter && evt.key === 'Escape' && evt.target.value) {
      evt.preventDefault();
      evt.target.value = '';
      filter(picker);
    } else if (isFilter && evt.key === 'ArrowDown') {
      evt.preventDefault();
      move(picker, null, 1);
    } else if (isBox && (evt.key === 'ArrowDown' || evt.key === 'ArrowUp')) {
      evt.preventDefault();
      move(picker, evt.target, evt.key === 'ArrowDown' ? 1 : -1);
    }
  });

  initAll(document);
  document.addEventListener('htmx:load', function (evt) { initAll(evt.target); });
})();
