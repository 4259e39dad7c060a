/* The visit form on the cadre's phone: the position from navigator.geolocation into the hidden
   latitude/longitude/accuracy fields, and photos shrunk in the browser (long side 1600 px, JPEG)
   before they are sent, so that a slow connection copes. Each camera shot is added to the ones
   taken before (up to the limit). Only an enhancement: without JavaScript, or in a browser that
   cannot do this, the form sends the photos as taken and the server shrinks them. */
(function () {
  "use strict";
  var form = document.getElementById("visit-form");
  if (!form) { return; }
  var text = form.dataset || {};
  var LONG_SIDE = 1600, QUALITY = 0.82, KEEP_BELOW = 400 * 1024;
  var maxPhotos = parseInt(text.maxPhotos, 10) || 6;

  // --- position ---------------------------------------------------------------------------------
  var geoStatus = document.getElementById("geo-status");
  var retry = document.getElementById("geo-retry");
  var lat = form.elements.latitude, lon = form.elements.longitude, acc = form.elements.accuracy;

  function show(state, message) {
    geoStatus.className = "geo-status " + state;
    geoStatus.textContent = message;
  }

  function locate() {
    if (!navigator.geolocation) { return; }
    var had = lat.value !== "";
    show("busy", text.geoBusy);
    navigator.geolocation.getCurrentPosition(function (position) {
      var c = position.coords;
      lat.value = c.latitude.toFixed(6);
      lon.value = c.longitude.toFixed(6);
      acc.value = String(Math.round(c.accuracy));
      show("ok", text.geoOk.replace("{m}", acc.value));
    }, function () {
      if (had) { show("ok", text.geoOk.replace("{m}", acc.value || "?")); } else { show("off", text.geoOff); }
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  }

  if (navigator.geolocation) {
    retry.hidden = false;
    retry.addEventListener("click", locate);
    locate();
  }

  // --- photos -----------------------------------------------------------------------------------
  var input = form.elements.photos;
  var note = document.getElementById("photo-note");
  var previews = document.getElementById("photo-previews");
  var button = document.getElementById("visit-save");
  var clear = document.getElementById("photo-clear");
  var canShrink = !!(window.Promise && window.URL && window.DataTransfer && window.File &&
    window.HTMLCanvasElement && HTMLCanvasElement.prototype.toBlob);
  var chosen = [];      // the photos to send (already shrunk), kept across camera shots
  var pending = null;   // a Promise while photos are being shrunk
  var round = 0;

  function shrink(file) {
    return new Promise(function (resolve) {
      if (!/^image\/(jpeg|png|webp)$/i.test(file.type)) { resolve(file); return; }
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        var w = img.naturalWidth, h = img.naturalHeight;
        var scale = Math.min(1, LONG_SIDE / Math.max(w, h));
        if (scale === 1 && file.size < KEEP_BELOW) { URL.revokeObjectURL(url); resolve(file); return; }
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(w * scale));
        canvas.height = Math.max(1, Math.round(h * scale));
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          try {
            resolve(new File([blob], (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg",
              { type: "image/jpeg", lastModified: Date.now() }));
          } catch (e) { resolve(file); }
        }, "image/jpeg", QUALITY);
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); };
      img.src = url;
    });
  }

  function put(files) {
    var transfer = new DataTransfer();
    files.forEach(function (f) { transfer.items.add(f); });
    input.files = transfer.files;  // setting files does not fire "change" again
  }

  function describe() {
    var total = 0;
    previews.textContent = "";
    chosen.forEach(function (f) {
      total += f.size;
      var img = document.createElement("img");
      img.alt = "";
      img.onload = function () { URL.revokeObjectURL(img.src); };
      img.src = URL.createObjectURL(f);
      previews.appendChild(img);
    });
    note.textContent = chosen.length ? text.ready.replace("{n}", chosen.length)
      .replace("{kb}", Math.round(total / 1024)) : "";
    note.setAttribute("data-state", "ready");
    clear.hidden = !chosen.length;
  }

  if (canShrink) {
    input.addEventListener("change", function () {
      var added = Array.prototype.slice.call(input.files || []);
      var mine = ++round;
      note.setAttribute("data-state", "busy");
      note.textContent = text.shrinking;
      // One photo at a time: a cheap phone has little memory for several decoded camera images.
      var work = added.reduce(function (chain, file) {
        return chain.then(function (out) { return shrink(file).then(function (s) { out.push(s); return out; }); });
      }, Promise.resolve([]));
      pending = work.then(function (out) {
        if (mine !== round) { return; }
        var over = chosen.length + out.length > maxPhotos;
        chosen = chosen.concat(out).slice(0, maxPhotos);
        try { put(chosen); } catch (e) { chosen = added; }
        describe();
        if (over) { note.textContent += " " + text.tooMany; }
        pending = null;
      });
    });
    clear.addEventListener("click", function () {
      chosen = [];
      try { put(chosen); } catch (e) { input.value = ""; }
      describe();
    });
  }

  // --- sending ----------------------------------------------------------------------------------
  var timer = null;
  form.addEventListener("submit", function (event) {
    if (pending) {
      event.preventDefault();
      pending.then(function () {
        if (form.requestSubmit) { form.requestSubmit(button); } else { form.submit(); }
      });
      return;
    }
    // A second tap sends the same client_key, so it would record nothing twice; still, spare the line.
    window.setTimeout(function () { button.disabled = true; }, 0);
    button.setAttribute("data-label", button.getAttribute("data-label") || button.textContent);
    button.textContent = text.sending;
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { button.disabled = false; }, 15000);
  });
  window.addEventListener("pageshow", function () {
    button.disabled = false;
    if (button.getAttribute("data-label")) { button.textContent = button.getAttribute("data-label"); }
  });
}());
