/*
 * Staff pages: preview of a newly chosen photo before the form is sent.
 * <input type="file" data-preview="#img-id"> shows the file in that <img>.
 */
(function () {
  'use strict';

  document.addEventListener('change', function (evt) {
    var input = evt.target;
    if (!input.matches || !input.matches('input[type="file"][data-preview]')) return;
    var img = document.querySelector(input.getAttribute('data-preview'));
    var file = input.files && input.files[0];
    if (!img || !file || !/^image\//.test(file.type)) return;
    if (img.dataset.objectUrl) URL.revokeObjectURL(img.dataset.objectUrl);
    var url = URL.createObjectURL(file);
    img.dataset.objectUrl = url;
    img.src = url;
    img.classList.remove('hidden');
  });
})();
