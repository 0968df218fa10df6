/*
 * Price list tree (/catalog/): remembers collapsed categories and, for managers,
 * drag-to-reorder / move with SortableJS. A drop POSTs {parent_id, position} to the
 * category's data-move-url with the X-CSRFToken header; the server answers with the
 * fresh tree fragment (with the refusal message when the move is not allowed),
 * which replaces #catalog-tree. No inline scripts (CSP), no build step.
 *
 * Search results (the tree has data-search) open every category that holds a match and
 * offer no dragging; the remembered folds are neither applied to them nor changed by
 * them, so clearing the search brings the tree back as it was folded.
 * Words come from the page (#catalog-i18n), never from this file.
 */
(function () {
  'use strict';

  var STORE_KEY = 'catalog:collapsed';
  var i18nElement = document.getElementById('catalog-i18n');
  var TEXT = i18nElement ? JSON.parse(i18nElement.textContent) : {};

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : '';
  }

  function treeElement() {
    return document.getElementById('catalog-tree');
  }

  // --- collapsed categories survive reloads of the tree --------------------
  function collapsedIds() {
    try {
      return JSON.parse(window.sessionStorage.getItem(STORE_KEY)) || [];
    } catch (e) {
      return [];
    }
  }

  function saveCollapsed(ids) {
    try {
      window.sessionStorage.setItem(STORE_KEY, JSON.stringify(ids));
    } catch (e) { /* private mode: forget it */ }
  }

  function searching(root) {
    return !!root && root.hasAttribute('data-search');
  }

  function restoreCollapsed(root) {
    if (searching(root)) return;  // a match's category stays open
    var ids = collapsedIds();
    root.querySelectorAll('details[data-category]').forEach(function (details) {
      if (ids.indexOf(details.getAttribute('data-category')) !== -1) details.open = false;
    });
  }

  function remember(details, open) {
    var id = details.getAttribute('data-category');
    var ids = collapsedIds().filter(function (other) { return other !== id; });
    if (!open) ids.push(id);
    saveCollapsed(ids);
  }

  // What a person folds is remembered; what a fresh tree or a search result opens is not
  // (so not the details' toggle events, which those fire too). Enter and Space on a
  // focused category head arrive here as clicks as well.
  document.addEventListener('click', function (evt) {
    var head = evt.target.closest && evt.target.closest('#catalog-tree summary.cat-head');
    if (!head || evt.target.closest('.cat-handle') || searching(treeElement())) return;
    // The click folds or unfolds after this handler runs: remember the state it leads to.
    remember(head.parentElement, !head.parentElement.open);
  });

  // The fold-all and unfold-all buttons: shown only when this script runs.
  document.querySelectorAll('[data-catalog-fold-tools]').forEach(function (tools) {
    tools.hidden = false;
  });

  document.addEventListener('click', function (evt) {
    var button = evt.target.closest && evt.target.closest('[data-catalog-fold]');
    if (!button) return;
    var open = button.getAttribute('data-catalog-fold') === 'open';
    var tree = treeElement();
    if (!tree) return;
    tree.querySelectorAll('details[data-category]').forEach(function (details) {
      details.open = open;
      if (!searching(tree)) remember(details, open);
    });
  });

  // --- replacing the tree ---------------------------------------------------
  function swapTree(html) {
    var holder = document.createElement('div');
    holder.innerHTML = html;
    var fresh = holder.querySelector('#catalog-tree');
    var old = treeElement();
    if (!fresh || !old) return false;
    old.replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh);
    init(fresh);
    return true;
  }

  function reloadTree() {
    var tree = treeElement();
    if (!tree) return;
    fetch(tree.getAttribute('data-tree-url'), {
      credentials: 'same-origin',
      headers: { 'HX-Request': 'true' }
    }).then(function (response) {
      return response.text();
    }).then(function (html) {
      if (!swapTree(html)) window.location.reload();
    }).catch(function () {
      window.location.reload();
    });
  }

  function plainText(html) {
    var holder = document.createElement('div');
    holder.innerHTML = html;
    return (holder.textContent || '').trim().slice(0, 300);
  }

  function move(item, parentId, position) {
    fetch(item.getAttribute('data-move-url'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'Content-Type': 'application/json',
        'X-CSRFToken': csrfToken(),
        'HX-Request': 'true'
      },
      body: JSON.stringify({ parent_id: parentId ? Number(parentId) : null, position: position })
    }).then(function (response) {
      return response.text();
    }).then(function (body) {
      // The fragment carries the success or refusal message itself.
      if (swapTree(body)) return;
      window.alert(plainText(body) || TEXT.move_failed);
      reloadTree();
    }).catch(function () {
      window.alert(TEXT.offline);
      reloadTree();
    });
  }

  // --- drag and drop (managers only: the tree has data-sortable) -------------
  function initSortable(root) {
    if (!root.hasAttribute('data-sortable') || typeof window.Sortable === 'undefined') return;
    root.querySelectorAll('.cat-list:not([data-sortable-ready])').forEach(function (list) {
      list.setAttribute('data-sortable-ready', '');
      window.Sortable.create(list, {
        group: 'catalog-categories',
        handle: '.cat-handle',
        draggable: '.cat',
        // Pointer events, not HTML5 drag and drop: the same on touch screens and mice.
        forceFallback: true,
        fallbackClass: 'cat-dragged',
        animation: 150,
        fallbackOnBody: true,
        swapThreshold: 0.65,
        emptyInsertThreshold: 12,
        ghostClass: 'cat-ghost',
        chosenClass: 'cat-chosen',
        onStart: function () { root.classList.add('is-dragging'); },
        onEnd: function (evt) {
          root.classList.remove('is-dragging');
          if (evt.from === evt.to && evt.oldIndex === evt.newIndex) return;
          move(evt.item, evt.to.getAttribute('data-parent-id'), evt.newIndex);
        }
      });
    });
  }

  // The handle sits in the <summary>: grabbing it must not fold the category.
  document.addEventListener('click', function (evt) {
    if (evt.target.closest && evt.target.closest('#catalog-tree .cat-handle')) {
      evt.preventDefault();
    }
  });

  function init(root) {
    if (!root) return;
    restoreCollapsed(root);
    initSortable(root);
  }

  init(treeElement());

  // The add / edit forms swap the tree through htmx.
  document.addEventListener('htmx:load', function (evt) {
    if (evt.target && evt.target.id === 'catalog-tree') init(evt.target);
  });
})();
