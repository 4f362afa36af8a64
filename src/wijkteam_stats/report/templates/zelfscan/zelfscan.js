/* Zelfscan form: routing, progress, validation, result, download and load of the answers file.
   Vanilla JavaScript; no network request, no cookies, no storage. Data: the JSON block #zs-data. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("zs-data").textContent);
  var WN = "weet_niet";
  var form = document.getElementById("zs-form");
  var Q = {};
  D.questions.forEach(function (q) { Q[q.name] = q; });

  function inputs(name) { return Array.prototype.slice.call(form.querySelectorAll('[name="' + name + '"]')); }
  function checked(name) { return inputs(name).filter(function (i) { return i.checked; }).map(function (i) { return i.value; }); }
  function wn(name) { return checked("wn-" + name).length > 0; }

  /* ---------- Part A and B as an answers object (same shape as zelfscan_answers.py) */
  function value(q) {
    var t = q.type;
    if (t === "single" || t === "yesno") {
      var v = checked("a-" + q.name)[0];
      if (v === undefined) { return undefined; }
      if (v === WN) { return WN; }
      return t === "yesno" ? v === "true" : v;
    }
    if (t === "count") {
      if (wn(q.name)) { return WN; }
      var raw = inputs("a-" + q.name)[0].value.trim();
      return raw === "" ? undefined : raw;
    }
    if (t === "multi") {
      if (wn(q.name)) { return WN; }
      return checked("a-" + q.name);
    }
    if (t === "grid") {
      var grid = {}, any = false;
      q.options.forEach(function (g) {
        var key = q.name + "-" + g.code;
        if (wn(key)) { grid[g.code] = WN; any = true; return; }
        var c = checked("a-" + key);
        if (c.length) { grid[g.code] = c; any = true; }
      });
      return any ? grid : undefined;
    }
    var text = inputs("a-" + q.name)[0].value.trim();
    return text === "" ? undefined : text;
  }

  function tidy(a) {  /* Part A as tidy columns, for routing and rules ('weet niet' is missing) */
    var out = {};
    D.questions.forEach(function (q) {
      var v = a[q.name];
      if (v === undefined || v === WN) { return; }
      if (q.type === "multi") { q.options.forEach(function (o) { out[q.name + "__" + o.code] = v.indexOf(o.code) >= 0; }); }
      else if (q.type === "grid") {
        Object.keys(v).forEach(function (g) {
          if (v[g] === WN) { return; }
          q.forms.forEach(function (f) { out[q.name + "__" + g + "__" + f.code] = v[g].indexOf(f.code) >= 0; });
        });
      } else { out[q.name] = q.type === "count" ? Number(v) : v; }
    });
    return out;
  }

  function shown(q, t) {
    if (!q.show_if) { return true; }
    var v = t[q.show_if.column];
    return v !== undefined && q.show_if.equals.indexOf(v) >= 0;
  }

  function collect() {
    var a = {}, t = {};
    D.questions.forEach(function (q) {
      var fs = document.getElementById("q-" + q.name);
      var visible = shown(q, t);
      fs.hidden = !visible;
      if (!visible) { return; }
      var v = value(q);
      if (v !== undefined) { a[q.name] = v; }
      t = tidy(a);
    });
    var b = {}, notes = {};
    D.sections.forEach(function (s) {
      s.items.forEach(function (it) {
        var v = checked("b-" + it.code)[0];
        if (v) { b[it.code] = v; }
        var n = document.getElementById("note-" + it.code).value.trim();
        if (n) { notes[it.code] = n; }
      });
    });
    var who = checked("who")[0] || "gemeente";
    return { gm_code: document.getElementById("zs-gemeente").value, wave: D.wave, status: "compleet",
             filled_in: document.getElementById("zs-date").value, who: who,
             role: document.getElementById("zs-role").value.trim(), a: a, b: b, b_notes: notes };
  }

  /* ---------- progress */
  function progress(ans) {
    var total = 0, done = 0;
    D.questions.forEach(function (q) {
      if (document.getElementById("q-" + q.name).hidden || q.type === "text") { return; }
      total += 1;
      if (ans.a[q.name] !== undefined) { done += 1; }
    });
    D.sections.forEach(function (s) { total += s.items.length; done += s.items.filter(function (it) { return ans.b[it.code]; }).length; });
    var bar = document.getElementById("zs-progress");
    bar.max = total; bar.value = done;
    document.getElementById("zs-progress-text").textContent = done + " van " + total + " vragen beantwoord";
  }

  /* ---------- validation (Dutch messages) */
  function validate(ans) {
    var errs = [];
    if (!ans.gm_code) { errs.push(["zs-gemeente", "Kies de gemeente waarover u deze zelfscan invult."]); }
    if (!ans.role) { errs.push(["zs-role", "Vul uw functie in (bijvoorbeeld beleidsmedewerker); geen naam."]); }
    else if (/[@\d]/.test(ans.role)) { errs.push(["zs-role", "Vul bij functie alleen een functie in, geen naam, e-mailadres of telefoonnummer."]); }
    D.questions.forEach(function (q) {
      var fs = document.getElementById("q-" + q.name);
      if (fs.hidden) { return; }
      var v = ans.a[q.name], first = fs.querySelector("input, textarea, select");
      if (q.required && v === undefined) { errs.push([first.id || fs.id, "Vraag " + q.number + " is verplicht: " + q.question]); }
      if (q.type === "count" && v !== undefined && v !== WN) {
        var n = Number(v);
        if (!/^\d+$/.test(String(v)) || n < q.min || n > q.max) {
          errs.push(["a-" + q.name, "Vraag " + q.number + ": vul een heel getal in van " + q.min + " tot en met " + q.max + "."]);
        }
      }
      if (q.type === "multi" && v === WN && checked("a-" + q.name).length) {
        errs.push([fs.id, "Vraag " + q.number + ": kies antwoorden of \u2018Weet niet\u2019, niet allebei."]);
      }
      if (q.type === "grid" && v && v !== WN) {
        q.options.forEach(function (g) {
          var c = checked("a-" + q.name + "-" + g.code);
          if (c.indexOf(q.exclusive) >= 0 && c.length > 1) {
            errs.push(["q-" + q.name + "-" + g.code, g.label + ": \u2018Geen betrokkenheid\u2019 kan niet samen met een andere vorm."]);
          }
          if (wn(q.name + "-" + g.code) && c.length) {
            errs.push(["q-" + q.name + "-" + g.code, g.label + ": kies vormen of \u2018Weet niet\u2019, niet allebei."]);
          }
        });
      }
    });
    return errs;
  }

  function showErrors(errs) {
    var box = document.getElementById("zs-errors"), ul = box.querySelector("ul");
    ul.textContent = "";
    form.querySelectorAll(".zs-invalid").forEach(function (el) { el.classList.remove("zs-invalid"); el.removeAttribute("aria-invalid"); });
    errs.forEach(function (e) {
      var li = document.createElement("li"), link = document.createElement("a");
      link.href = "#" + e[0]; link.textContent = e[1];
      link.addEventListener("click", function (ev) { ev.preventDefault(); var el = document.getElementById(e[0]); el.focus(); });
      li.appendChild(link); ul.appendChild(li);
      var el = document.getElementById(e[0]);
      if (el) { el.classList.add("zs-invalid"); el.setAttribute("aria-invalid", "true"); }
    });
    box.hidden = errs.length === 0;
    if (errs.length) { box.focus(); }
  }

  /* ---------- result and gespreksagenda */
  function holds(c, b, t) {
    if (c.all) { return c.all.every(function (x) { return holds(x, b, t); }); }
    if (c.any) { return c.any.some(function (x) { return holds(x, b, t); }); }
    if (c.role) {
      var s = D.sections.filter(function (x) { return x.code === c.role; })[0];
      var given = s.items.map(function (it) { return b[it.code]; });
      return given.every(function (g) { return g !== undefined; }) && !given.some(function (g) { return c.none_of.indexOf(g) >= 0; });
    }
    if (c.item) { return c["in"].indexOf(b[c.item]) >= 0; }
    if (c.count_in) { return Object.keys(b).filter(function (k) { return c.count_in.indexOf(b[k]) >= 0; }).length >= c.at_least; }
    if (c.answer) { return t[c.answer] !== undefined && t[c.answer] === c.equals; }
    var groups = {};
    Object.keys(t).forEach(function (k) { var p = k.split("__"); if (p.length === 3) { groups[p[1]] = true; } });
    var g = Object.keys(groups);
    if (c.involvement_form_none) { return g.length > 0 && !g.some(function (x) { return t["involvement__" + x + "__" + c.involvement_form_none] === true; }); }
    return g.filter(function (x) { return t["involvement__" + x + "__geen"] === true; }).length >= c.involvement_none_at_least;
  }

  function pub(key) {
    var p = D.published[key];
    if (!p) { return "niet gepubliceerd"; }
    var v = p.statistic === "mean" ? "gemiddeld " + String(p.value).replace(".", ",")
      : p.statistic === "rank" ? Math.round(p.value) + "e in de rangorde (geen percentage gepubliceerd)"
      : String(Math.round(p.value)) + " %";
    return v + " (" + p.finding_id + ")";
  }

  function cell(tr, text, head) {
    var c = document.createElement(head ? "th" : "td");
    if (head) { c.scope = "row"; }
    c.textContent = text; tr.appendChild(c);
  }

  function label(q, code) {
    if (code === WN) { return "weet niet"; }
    var o = q.options.filter(function (x) { return x.code === code; })[0];
    return o ? o.label : code;
  }

  function result(ans) {
    var body = document.getElementById("zs-result-a"), t = tidy(ans.a);
    body.textContent = "";
    D.questions.forEach(function (q) {
      if (document.getElementById("q-" + q.name).hidden || q.type === "text") { return; }
      var v = ans.a[q.name];
      var rows = [];
      if (q.type === "single") { rows.push([q.number + " " + q.question, v === undefined ? "niet beantwoord" : label(q, v), v && v !== WN ? pub(q.name + "|" + v) : ""]); }
      else if (q.type === "yesno") { rows.push([q.number + " " + q.question, v === undefined ? "niet beantwoord" : v === WN ? "weet niet" : (v ? "ja" : "nee"), "ja: " + pub(q.name + "|true")]); }
      else if (q.type === "count") { rows.push([q.number + " " + q.question, v === undefined ? "niet beantwoord" : v === WN ? "weet niet" : String(v), pub(q.name + "|true")]); }
      else if (q.type === "multi") {
        q.options.forEach(function (o) {
          rows.push([q.number + " " + o.label, v === undefined ? "niet beantwoord" : v === WN ? "weet niet" : (v.indexOf(o.code) >= 0 ? "ja" : "nee"), pub(q.name + "__" + o.code + "|true")]);
        });
      } else if (q.type === "grid") {
        q.options.forEach(function (g) {
          var gv = v && v[g.code];
          q.forms.forEach(function (f) {
            var own = gv === undefined ? "niet beantwoord" : gv === WN ? "weet niet" : (gv.indexOf(f.code) >= 0 ? "aangekruist" : "niet aangekruist");
            rows.push([g.label + ": " + f.label, own, pub(q.name + "__" + g.code + "__" + f.code + "|true")]);
          });
        });
      }
      rows.forEach(function (r) { var tr = document.createElement("tr"); cell(tr, r[0], true); cell(tr, r[1]); cell(tr, r[2]); body.appendChild(tr); });
    });
    var ol = document.getElementById("zs-agenda");
    ol.textContent = "";
    D.rules.forEach(function (r) {
      if (!holds(r.when, ans.b, t)) { return; }
      var li = document.createElement("li"), p = document.createElement("p"), rule = document.createElement("p"), q = document.createElement("blockquote");
      li.id = "agenda-" + r.id;
      p.textContent = r.point; rule.className = "wt-src"; rule.textContent = "Regel " + r.id + ": " + r.rule + ".";
      q.className = "wt-quote"; q.textContent = "Handreiking: \u201c" + r.quote + "\u201d";
      li.appendChild(p); li.appendChild(rule); li.appendChild(q); ol.appendChild(li);
    });
    if (!ol.children.length) { var li = document.createElement("li"); li.textContent = "Uit uw antwoorden volgt geen gesprekspunt."; ol.appendChild(li); }
    var sel = document.getElementById("zs-gemeente");
    document.getElementById("zs-result-prov").textContent = "Zelf ingevuld door " + (ans.who === "adviesraad" ? "de adviesraad" : "de gemeente") +
      " (" + ans.role + ") op " + (ans.filled_in || "onbekende datum") + " voor " + sel.options[sel.selectedIndex].text + ".";
    var sec = document.getElementById("zs-result");
    sec.hidden = false; sec.focus();
  }

  /* ---------- the answers file (columns: zelfscan_form.columns) */
  function csvCell(col, ans) {
    var k = col.kind, n = col.name, a = ans.a;
    if (k === "meta") {
      if (n === "status") { return "Compleet"; }
      if (n === "ingevuld_op") { return ans.filled_in || ""; }
      return String(ans[n] === undefined ? "" : ans[n]);
    }
    if (k === "who") { return ans.who; }
    if (k === "role") { return ans.role; }
    if (k === "part_b") { var b = ans.b[n]; return b ? D.answers.filter(function (x) { return x.code === b; })[0].label : ""; }
    if (k === "part_b_note") { return ans.b_notes[n] || ""; }
    var v = a[n];
    if (v === undefined) { return ""; }
    if (v === WN) { return D.weet_niet; }
    if (k === "single") { return label(Q[n], v); }
    if (k === "yesno") { return v ? "Ja" : "Nee"; }
    if (k === "count" || k === "text") { return String(v); }
    var chosen = col.group ? v[col.group] : v;
    if (chosen === undefined) { return ""; }
    if (chosen === WN) { return D.weet_niet; }
    return chosen.indexOf(col.option) >= 0 ? "Ja" : "Nee";
  }
  function quote(s) { return /[";\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; }
  function toCsv(ans) {
    var head = D.columns.map(function (c) { return quote(c.header); }).join(";");
    var row = D.columns.map(function (c) { return quote(csvCell(c, ans)); }).join(";");
    return "\ufeff" + head + "\r\n" + row + "\r\n";
  }
  function save(name, text, type) {
    var a = document.createElement("a");
    a.href = "data:" + type + ";charset=utf-8," + encodeURIComponent(text);
    a.download = name; document.body.appendChild(a); a.click(); a.remove();
  }
  function download() {
    var ans = collect(), errs = validate(ans);
    showErrors(errs);
    if (errs.length) { return; }
    var stem = "zelfscan_" + ans.gm_code + "_" + D.wave;
    save(stem + ".csv", toCsv(ans), "text/csv");
    save(stem + ".meta.json", JSON.stringify({ synthetic: false, kind: "self-reported", source: "zelfscan sociale (wijk)teams (wijkteam-stats)",
      how_made: "zelf ingevuld in de zelfscan (pagina zelfscan.html)", who: ans.who, role: ans.role, date: ans.filled_in,
      wave: D.wave, gm_code: ans.gm_code }, null, 2) + "\n", "application/json");
  }

  /* ---------- loading a file back */
  function parseCsv(text) {
    text = text.replace(/^\ufeff/, "");
    var rows = [], row = [], cur = "", q = false, i, ch;
    for (i = 0; i < text.length; i += 1) {
      ch = text[i];
      if (q) { if (ch === '"') { if (text[i + 1] === '"') { cur += '"'; i += 1; } else { q = false; } } else { cur += ch; } }
      else if (ch === '"') { q = true; }
      else if (ch === ";") { row.push(cur); cur = ""; }
      else if (ch === "\n" || ch === "\r") { if (ch === "\r" && text[i + 1] === "\n") { i += 1; } row.push(cur); rows.push(row); row = []; cur = ""; }
      else { cur += ch; }
    }
    if (cur !== "" || row.length) { row.push(cur); rows.push(row); }
    return rows;
  }
  function setRadio(name, v) { inputs(name).forEach(function (i) { i.checked = i.value === v; }); }
  function load(text) {
    var rows = parseCsv(text);
    if (rows.length < 2) { showErrors([["zs-load", "Dit bestand bevat geen antwoorden."]]); return; }
    var cells = {};
    rows[0].forEach(function (h, i) { cells[h] = rows[1][i] || ""; });
    var missing = D.columns.filter(function (c) { return !(c.header in cells); });
    if (missing.length) { showErrors([["zs-load", "Dit is geen antwoordbestand van deze zelfscan (peiling " + D.wave + "): de kolom \u2018" + missing[0].header + "\u2019 ontbreekt."]]); return; }
    form.reset();
    D.columns.forEach(function (c) {
      var v = cells[c.header], k = c.kind, n = c.name;
      if (k === "meta") {
        if (n === "gm_code") { document.getElementById("zs-gemeente").value = v; }
        if (n === "ingevuld_op") { document.getElementById("zs-date").value = v.slice(0, 10); }
        return;
      }
      if (k === "who") { setRadio("who", v || "gemeente"); return; }
      if (k === "role") { document.getElementById("zs-role").value = v; return; }
      if (k === "part_b") { var b = D.answers.filter(function (x) { return x.label === v; })[0]; setRadio("b-" + n, b ? b.code : ""); return; }
      if (k === "part_b_note") { document.getElementById("note-" + n).value = v; return; }
      if (v === "") { return; }
      var wnv = v === D.weet_niet;
      if (k === "single") { var o = Q[n].options.filter(function (x) { return x.label === v; })[0]; setRadio("a-" + n, wnv ? WN : (o ? o.code : "")); }
      else if (k === "yesno") { setRadio("a-" + n, wnv ? WN : (v === "Ja" ? "true" : "false")); }
      else if (k === "count") { if (wnv) { inputs("wn-" + n)[0].checked = true; } else { inputs("a-" + n)[0].value = v; } }
      else if (k === "text") { inputs("a-" + n)[0].value = v; }
      else if (k === "tick") {
        var key = c.group ? n + "-" + c.group : n;
        if (wnv) { inputs("wn-" + key)[0].checked = true; return; }
        inputs("a-" + key).forEach(function (i) { if (i.value === c.option) { i.checked = v === "Ja"; } });
      }
    });
    update();
  }

  /* ---------- wiring */
  function update() { progress(collect()); }
  form.addEventListener("change", update);
  form.addEventListener("input", update);
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var ans = collect(), errs = validate(ans);
    showErrors(errs);
    if (!errs.length) { result(ans); }
  });
  document.getElementById("zs-download").addEventListener("click", download);
  document.getElementById("zs-load").addEventListener("change", function (ev) {
    var f = ev.target.files[0];
    if (!f) { return; }
    var r = new FileReader();
    r.onload = function () { load(String(r.result)); };
    r.readAsText(f, "utf-8");
  });
  function fromHash() {
    var m = /gemeente=(GM\d{4})/.exec(window.location.hash);
    if (m) { document.getElementById("zs-gemeente").value = m[1]; }
  }
  window.addEventListener("hashchange", fromHash);
  var today = new Date();
  document.getElementById("zs-date").value = today.toISOString().slice(0, 10);
  fromHash();
  update();
  window.zelfscan = { collect: collect, toCsv: toCsv };
}());
