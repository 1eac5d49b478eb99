// The hosted IDV journey of yoti-emulator. It talks to the IDV client endpoints with the
// client session token from its URL, exactly as a real client does, and posts
// {eventType: "STARTED" | "SUCCESS" | "ERROR", eventCode?, code?} to an embedding page.
// No build step, no dependencies.
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('journey-data').textContent);
  var inFrame = window.parent && window.parent !== window;
  function post(message) {
    if (inFrame) window.parent.postMessage(message, '*');
  }

  var INVALID_SESSION = 1000;
  var SESSION_EXPIRED = 1001;

  if (data.error) {
    // The server already refused the link: say so to the embedding page.
    post({ eventType: 'ERROR', eventCode: data.error.eventCode, code: data.error.code });
    return;
  }

  var params = new URLSearchParams(window.location.search);
  var token = params.get('sessionToken');
  var sessionId = params.get('sessionID');
  // The page is {mount}/web/index.html: the API is {mount}/.
  var api = new URL('../', window.location.href).pathname;
  var base = api + 'sessions/' + encodeURIComponent(sessionId);
  var finished = false;

  // ----- calls -------------------------------------------------------------------------
  function call(method, path, body, json) {
    var headers = { 'X-Yoti-Auth-Token': token };
    if (json) headers['Content-Type'] = 'application/json';
    return fetch(base + path, { method: method, headers: headers, body: body }).then(
      function (response) {
        return response.text().then(function (text) {
          var parsed = null;
          try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; }
          if (!response.ok) {
            var error = new Error((parsed && parsed.message) || ('HTTP ' + response.status));
            error.status = response.status;
            error.code = (parsed && parsed.code) || ('HTTP_' + response.status);
            throw error;
          }
          return parsed;
        });
      },
      function () {
        var error = new Error('The emulator could not be reached.');
        error.code = 'NETWORK';
        throw error;
      }
    );
  }

  function multipart(blob, filename, captureMethod) {
    var form = new FormData();
    if (captureMethod) {
      form.append('descriptor', new Blob([JSON.stringify({ capture_method: captureMethod })],
        { type: 'application/json' }));
    }
    form.append('binary-content', blob, filename);
    return form;
  }

  // ----- steps -------------------------------------------------------------------------
  var steps = Array.prototype.slice.call(document.querySelectorAll('#journey > .step'));
  var byRequirement = {};
  (data.progress || []).forEach(function (p) { byRequirement[p.requirement_id] = p; });
  var requirementInfo = {};
  (data.requirements || []).forEach(function (r) { requirementInfo[r.id] = r; });

  // The walk: intro, consent, each requirement not yet complete, review.
  var walk = steps.filter(function (step) {
    var kind = step.getAttribute('data-step');
    if (kind === 'done' || kind === 'fatal') return false;
    if (kind === 'requirement') {
      var info = requirementInfo[step.getAttribute('data-requirement')];
      return !(info && info.state === 'COMPLETE');
    }
    return true;
  });
  var position = 0;
  var bar = document.getElementById('progress-bar');

  function show(step) {
    steps.forEach(function (s) { s.classList.toggle('active', s === step); });
    var index = walk.indexOf(step);
    var done = index < 0 ? walk.length : index;
    if (bar) bar.style.width = Math.round((done / walk.length) * 100) + '%';
    var focus = step.querySelector('h1, h2');
    if (focus) { focus.setAttribute('tabindex', '-1'); focus.focus(); }
  }
  function next() {
    position = Math.min(position + 1, walk.length - 1);
    show(walk[position]);
  }
  function named(name) {
    return steps.filter(function (s) { return s.getAttribute('data-step') === name; })[0];
  }

  function fatal(eventCode, code, title, text) {
    if (finished) return;
    finished = true;
    var step = named('fatal');
    document.getElementById('fatal-title').textContent = title;
    document.getElementById('fatal-text').textContent = text;
    document.getElementById('fatal-code').textContent = code;
    if (data.errorUrl) {
      var button = step.querySelector('[data-action=fail]');
      button.hidden = false;
      button.addEventListener('click', function () { window.location.href = data.errorUrl; });
    } else {
      post({ eventType: 'ERROR', eventCode: eventCode, code: code });
    }
    show(step);
  }

  function failed(error, where) {
    var words = data.words;
    if (error.code === 'TOKEN_EXPIRED') {
      fatal(SESSION_EXPIRED, error.code, words.expiredTitle, words.expiredText);
    } else if (['MISSING_TOKEN', 'INVALID_TOKEN', 'SESSION_NOT_FOUND'].indexOf(error.code) >= 0) {
      fatal(INVALID_SESSION, error.code, words.invalidTitle, words.invalidText);
    } else {
      where.textContent = error.code + ': ' + error.message;
    }
  }

  function busy(button, on) {
    button.disabled = on;
    button.classList.toggle('busy', on);
  }

  // ----- the timer ---------------------------------------------------------------------
  var deadline = Date.now() + (data.ttl || 0) * 1000;
  var timeLeft = document.getElementById('time-left');
  function tick() {
    if (finished) return;
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    timeLeft.textContent = Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0');
    if (left <= 0) {
      fatal(SESSION_EXPIRED, 'TOKEN_EXPIRED', data.words.expiredTitle, data.words.expiredText);
      return;
    }
    window.setTimeout(tick, 1000);
  }

  // ----- requirement steps ---------------------------------------------------------------
  function Requirement(step) {
    var self = this;
    this.step = step;
    this.id = step.getAttribute('data-requirement');
    this.kind = step.getAttribute('data-kind');
    this.info = requirementInfo[this.id] || {};
    var progress = byRequirement[this.id] || {};
    this.resourceId = progress.resource_id || null;
    this.filled = {};
    (progress.filled || []).forEach(function (slot) { self.filled[slot] = true; });
    this.captures = {};
    this.button = step.querySelector('[data-action=upload]');
    this.error = step.querySelector('.error-inline');
    this.country = step.querySelector('select.country');
    this.doctype = step.querySelector('select.doctype');

    if (this.resourceId && this.country) {
      // A resource exists already (a reloaded page): its type and country are fixed.
      this.country.disabled = true;
      this.doctype.disabled = true;
    }
    if (this.kind === 'ID_DOCUMENT' && this.country) {
      this.country.addEventListener('change', function () { self.filterTypes(); });
      this.doctype.addEventListener('change', function () { self.refresh(); });
      this.filterTypes();
    }
    if (this.kind === 'FACE_CAPTURE' && !this.resourceId) {
      step.querySelector('[data-waiting]').classList.remove('hidden');
    }
    Array.prototype.forEach.call(step.querySelectorAll('.slot'), function (slot) {
      var name = slot.getAttribute('data-slot');
      if (self.filled[name]) self.mark(slot, null);
      slot.querySelector('[data-action=sample]').addEventListener('click', function (event) {
        var button = event.currentTarget;
        busy(button, true);
        fetch('samples/' + button.getAttribute('data-sample'))
          .then(function (r) { return r.blob(); })
          .then(function (blob) {
            self.captures[name] = { blob: blob, filename: button.getAttribute('data-sample'), method: 'CAMERA' };
            self.mark(slot, blob);
          })
          .catch(function () { self.error.textContent = 'The sample image could not be loaded.'; })
          .then(function () { busy(button, false); });
      });
      slot.querySelector('input[type=file]').addEventListener('change', function (event) {
        var file = event.target.files && event.target.files[0];
        if (!file) return;
        self.captures[name] = { blob: file, filename: file.name || 'upload.jpg', method: data.upload ? 'UPLOAD' : 'CAMERA' };
        self.mark(slot, file);
      });
    });
    this.button.addEventListener('click', function () { self.submit(); });
    this.refresh();
  }

  Requirement.prototype.filterTypes = function () {
    var country = this.country.value;
    var first = null;
    Array.prototype.forEach.call(this.doctype.options, function (option) {
      var match = option.getAttribute('data-country') === country;
      option.hidden = !match;
      option.disabled = !match;
      if (match && !first) first = option;
    });
    if (first && this.doctype.selectedOptions[0] && this.doctype.selectedOptions[0].disabled) {
      first.selected = true;
    } else if (first && !this.doctype.value) {
      first.selected = true;
    }
    this.refresh();
  };

  Requirement.prototype.slots = function () {
    if (this.kind === 'ID_DOCUMENT') {
      return this.doctype && this.doctype.value === 'PASSPORT' ? ['page:1'] : ['page:1', 'page:2'];
    }
    if (this.kind === 'SUPPLEMENTARY_DOCUMENT') return ['page:1'];
    return ['image'];
  };

  Requirement.prototype.mark = function (slot, blob) {
    slot.classList.add('filled');
    var img = slot.querySelector('img');
    var placeholder = slot.querySelector('.placeholder');
    if (blob) {
      img.src = URL.createObjectURL(blob);
      img.hidden = false;
      placeholder.hidden = true;
    } else {
      placeholder.textContent = placeholder.textContent + ' ✓';
    }
    this.refresh();
  };

  Requirement.prototype.refresh = function () {
    var self = this;
    var wanted = this.slots();
    Array.prototype.forEach.call(this.step.querySelectorAll('.slot'), function (slot) {
      slot.hidden = wanted.indexOf(slot.getAttribute('data-slot')) < 0;
    });
    var ready = wanted.every(function (name) { return self.filled[name] || self.captures[name]; });
    if (this.kind === 'FACE_CAPTURE' && !this.resourceId) ready = false;
    this.button.disabled = !ready;
  };

  Requirement.prototype.create = function () {
    if (this.resourceId) return Promise.resolve(this.resourceId);
    var self = this;
    var created;
    if (this.kind === 'ID_DOCUMENT' || this.kind === 'SUPPLEMENTARY_DOCUMENT') {
      var path = this.kind === 'ID_DOCUMENT' ? '/resources/id-documents' : '/resources/supplementary-documents';
      created = call('POST', path, JSON.stringify({
        document_type: this.doctype.value,
        issuing_country: this.country.value,
        requirement_id: this.id,
      }), true);
    } else if (this.kind === 'LIVENESS') {
      created = call('POST', '/resources/liveness/' + (this.zoom() ? 'zoom' : 'static'),
        JSON.stringify({ source: 'WEB' }), true);
    } else {
      return Promise.reject(new Error('No face-capture resource yet.'));
    }
    return created.then(function (answer) {
      self.resourceId = answer.id;
      if (self.country) { self.country.disabled = true; self.doctype.disabled = true; }
      return answer.id;
    });
  };

  Requirement.prototype.zoom = function () { return this.info.livenessType === 'ZOOM'; };

  // Every upload this requirement still needs, in order, as [slot name, () => Promise].
  Requirement.prototype.uploads = function (rid) {
    var self = this;
    var out = [];
    var one = function (slot, method, path, filename) {
      if (self.filled[slot]) return;
      var capture = self.captures[filename ? 'image' : slot];
      out.push([slot, function () {
        return call(method, path, multipart(capture.blob, capture.filename, capture.method));
      }]);
    };
    if (this.kind === 'ID_DOCUMENT' || this.kind === 'SUPPLEMENTARY_DOCUMENT') {
      var root = this.kind === 'ID_DOCUMENT' ? '/resources/id-documents/' : '/resources/supplementary-documents/';
      this.slots().forEach(function (slot) {
        one(slot, 'PUT', root + rid + '/pages/' + slot.split(':')[1]);
      });
    } else if (this.kind === 'LIVENESS' && this.zoom()) {
      [1, 2, 3].forEach(function (n) {
        one('frame:' + n, 'PUT', '/resources/liveness/zoom/' + rid + '/frames/' + n, true);
      });
      if (!this.filled.facemap) {
        out.push(['facemap', function () {
          var bytes = new Uint8Array(256);
          for (var i = 0; i < bytes.length; i++) bytes[i] = (i * 37) & 255;
          var form = new FormData();
          form.append('binary-content', new Blob([bytes], { type: 'application/octet-stream' }), 'facemap.bin');
          return call('POST', '/resources/liveness/zoom/' + rid + '/facemap', form);
        }]);
      }
    } else if (this.kind === 'LIVENESS') {
      one('image', 'PUT', '/resources/liveness/static/' + rid + '/image');
    } else {
      one('image', 'PUT', '/resources/face-capture/' + rid + '/image');
    }
    return out;
  };

  Requirement.prototype.submit = function () {
    var self = this;
    this.error.textContent = '';
    busy(this.button, true);
    this.create()
      .then(function (rid) {
        return self.uploads(rid).reduce(function (chain, upload) {
          return chain.then(function () {
            return upload[1]().then(function () { self.filled[upload[0]] = true; });
          });
        }, Promise.resolve());
      })
      .then(function () { busy(self.button, false); next(); })
      .catch(function (error) {
        busy(self.button, false);
        self.refresh();
        failed(error, self.error);
      });
  };

  steps.forEach(function (step) {
    if (step.getAttribute('data-step') === 'requirement') new Requirement(step);
  });

  // ----- intro, consent, review ----------------------------------------------------------
  var start = document.querySelector('[data-action=next]');
  start.addEventListener('click', next);
  var consent = document.getElementById('consent');
  if (consent) {
    var agree = document.querySelector('[data-action=consent]');
    consent.addEventListener('change', function () { agree.disabled = !consent.checked; });
    agree.addEventListener('click', next);
  }
  var submit = document.querySelector('[data-action=submit]');
  submit.addEventListener('click', function () {
    var where = named('review').querySelector('.error-inline');
    where.textContent = '';
    busy(submit, true);
    call('POST', '/checks/trigger', null)
      .then(function () {
        finished = true;
        var done = named('done');
        if (data.successUrl) {
          var button = done.querySelector('[data-action=finish]');
          button.hidden = false;
          button.addEventListener('click', function () { window.location.href = data.successUrl; });
        } else {
          post({ eventType: 'SUCCESS' });
        }
        show(done);
      })
      .catch(function (error) {
        busy(submit, false);
        failed(error, where);
      });
  });

  show(walk[0]);
  post({ eventType: 'STARTED' });
  tick();
})();
