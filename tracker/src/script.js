// The analytics tracker: one script tag, no cookies, nothing stored on the visitor's device.
//   <script defer data-domain="example.com" src="https://stats.example.com/js/script.js"></script>
// Options (data-* attributes of the script tag):
//   data-domain     the property's domain (default: this page's host); several, comma-separated
//   data-api        where events go (default: /api/event on the script's own origin)
//   data-hash       "true": hash-based routing, the #fragment is part of the page path
//   data-outbound   "true": record clicks on links to other sites ("Outbound Link: Click", prop url)
//   data-downloads  "true" (or a comma list of extensions): record file downloads ("File Download", prop url)
//   data-local      "true": also record on localhost and in automated (headless) browsers (without it, such a
//                   page view sends only a notice, {"ignored": "localhost"}, counted for the installation check)
// Plausible's script names set the same options: script.hash.js, script.outbound-links.js, script.file-downloads.js,
// script.local.js, script.manual.js (no automatic page views: call analytics("pageview")) and their combinations,
// e.g. script.outbound-links.file-downloads.js; revenue and custom events need no option.
// The tagged build (dist/script.tagged.js, served for names with tagged-events, form-submissions or pageview-props;
// TAGGED is set at build time) adds Plausible's tagged events: a class "plausible-event-name=Signup" (or "--" for "=",
// "+" for a space) on a link, button or form, with props as "plausible-event-plan=pro", sends the event on a click on it
// (or inside it, up to three levels) or the form's submit; with data-forms="true" (or form-submissions in the name)
// every other valid form sends "Form: Submission"; and attributes event-<key>="value" on the script tag are props of
// every event it sends (Plausible's pageview-props; an event's own prop of that key wins).
// Custom events: analytics("Signup", {props: {plan: "pro"}, revenue: {amount: 49, currency: "EUR"}, callback: fn})
// (window.plausible works too, so Plausible snippets keep working). Opt out on a device with
// localStorage.analytics_ignore = "true".
(function () {
  var w = window, d = document, l = location, n = navigator, s = d.currentScript;
  var file = s ? "." + s.src.split("/").pop() : "";
  var attr = function (name, named) { return s && s.getAttribute("data-" + name) || file.indexOf("." + (named || name) + ".") >= 0 && "true"; };
  var api = attr("api") || new URL("/api/event", s ? s.src : l.href).href;
  var domain = attr("domain") || l.hostname.replace(/^www\./, "");
  var hash = attr("hash") == "true", local = attr("local") == "true";
  var outbound = attr("outbound", "outbound-links") == "true", downloads = attr("downloads", "file-downloads");
  var extensions = downloads && downloads != "true" ? downloads.split(",") :
    "pdf,xlsx,docx,txt,rtf,csv,exe,key,pps,ppt,pptx,7z,pkg,rar,gz,zip,avi,mov,mp4,mpeg,wmv,midi,mp3,wav,wma,dmg,iso,msi".split(",");
  var maxScroll = 0, engaged = 0, visibleSince = 0, lastPage, lastUrl, sentPage;

  // Why this page is not recorded: "" (it is), "opt-out", "file", "localhost" or "automated-browser". For the last two
  // the server gets a notice instead of the page view, so the installation check can tell the owner why nothing arrived.
  function skip() {
    try {
      if (localStorage.analytics_ignore == "true" || localStorage.plausible_ignore == "true") return "opt-out";
    } catch (e) { }
    return local ? "" : l.protocol == "file:" ? "file" : /^localhost$|^127\.|^\[::1\]$/.test(l.hostname) ? "localhost"
      : n.webdriver || w._phantom || w.__nightmare || w.Cypress ? "automated-browser" : "";
  }

  function meta(name) {
    var tag = d.querySelector('meta[name="analytics:' + name + '"]');
    return tag ? tag.content : void 0;
  }

  function post(body, callback) {
    body = JSON.stringify(body);
    if (!callback && n.sendBeacon && n.sendBeacon(api, body)) return;
    var done = function () { callback && callback(); };
    fetch(api, { method: "POST", body: body, keepalive: true }).then(done, done); // a string body goes as text/plain: no preflight
  }

  function send(name, options) {
    options = options || {};
    var why = skip();
    if (why) {
      if (name == "pageview" && why != "opt-out" && why != "file") post({ n: name, u: l.href, d: domain, ignored: why });
      return options.callback && options.callback();
    }
    var props = options.props;
    if (TAGGED && s) {
      props = {};
      s.getAttributeNames().forEach(function (a) { if (!a.indexOf("event-")) props[a.slice(6)] = s.getAttribute(a); });
      for (var key in options.props) props[key] = options.props[key];
    }
    var body = {
      n: name, u: options.u || l.href, d: domain, r: d.referrer || null, w: w.innerWidth,
      h: hash ? 1 : void 0, p: props, revenue: options.revenue, i: options.interactive
    };
    if (name == "engagement") { body.sd = options.sd; body.e = options.e; }
    else if (meta("type") || meta("author")) body.m = { type: meta("type"), author: meta("author"), categories: meta("categories"), tags: meta("tags") };
    post(body, options.callback);
  }

  function scrollDepth() {
    var height = Math.max(d.body.scrollHeight, d.documentElement.scrollHeight, 1);
    return Math.min(100, Math.round((w.scrollY + w.innerHeight) / height * 100));
  }

  // stop: the page is hidden or left, so the clock stops (pagehide comes before the page reports itself hidden).
  function flushEngagement(stop) {
    if (visibleSince) engaged += Date.now() - visibleSince;
    visibleSince = stop === true || d.hidden ? 0 : Date.now();
    // The engagement belongs to the page it was measured on, even when the URL has already moved on (SPA navigation).
    if (sentPage && engaged > 0) send("engagement", { sd: maxScroll, e: engaged, u: lastUrl });
    engaged = 0;
  }

  function pageview() {
    var page = hash ? l.href : l.href.split("#")[0];
    if (page == lastPage) return;
    if (lastPage) flushEngagement();
    lastPage = page; lastUrl = l.href; sentPage = !skip();
    maxScroll = scrollDepth(); engaged = 0; visibleSince = d.hidden ? 0 : Date.now();
    send("pageview");
  }

  w.addEventListener("scroll", function () { maxScroll = Math.max(maxScroll, scrollDepth()); }, { passive: true });
  d.addEventListener("visibilitychange", function () {
    if (d.hidden) flushEngagement(true); else visibleSince = Date.now();
  });
  w.addEventListener("pagehide", function () { flushEngagement(true); });

  if (outbound || downloads) {
    d.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[href]");
      if (!link) return;
      var url = new URL(link.href, l.href), file = url.pathname.split(".").pop().toLowerCase();
      if (downloads && url.pathname.indexOf(".") > 0 && extensions.indexOf(file) >= 0) send("File Download", { props: { url: link.href } });
      else if (outbound && /^https?:$/.test(url.protocol) && url.host != l.host) send("Outbound Link: Click", { props: { url: link.href } });
    }, true);
  }

  var push = history.pushState;
  if (push) {
    history.pushState = function () { push.apply(this, arguments); pageview(); };
    w.addEventListener("popstate", pageview);
  }
  if (hash) w.addEventListener("hashchange", pageview);

  // Calls made before this script loaded wait in a queue: replay them, then take calls directly.
  var queue = (w.analytics && w.analytics.q || []).concat(w.plausible && w.plausible.q || []);
  w.analytics = w.plausible = send;
  for (var i = 0; i < queue.length; i++) send.apply(this, queue[i]);

  if (TAGGED) {
    // The tagged event of an element or its parents (up to three levels), as [name, {props}]; none: undefined.
    var tagged = function (el) {
      for (var k = 0; el && el.classList && k < 4; el = el.parentNode, k++) {
        var name, props = {};
        el.classList.forEach(function (c) {
          var m = c.match(/^plausible-event-(.+?)(=|--)(.+)$/), value = m && m[3].replace(/\+/g, " ");
          if (m) m[1] == "name" ? name = value : props[m[1]] = value;
        });
        if (name) return [name, { props: props }];
      }
    };
    d.addEventListener("click", function (event) {
      var tag = event.target.closest && !event.target.closest("form") && tagged(event.target);
      if (tag) send(tag[0], tag[1]);
    }, true);
    d.addEventListener("submit", function (event) {
      var form = event.target, tag = tagged(form);
      if (tag) send(tag[0], tag[1]);
      else if (attr("forms", "form-submissions") == "true" && (form.noValidate || form.checkValidity())) send("Form: Submission");
    }, true);
  }

  if (!attr("manual")) pageview();
})();
