// The dashboard's few browser-side parts: copy buttons, the theme switch (and the system's theme, remembered for the
// server's next render), keyboard shortcuts for the range links, the graph's values by keyboard, the browser's time zone for a new property, and
// reloading the view after the server restarted (the view is all in the URL, so a reload restores it).
(() => {
  "use strict";

  window.analyticsDashboard = {
    timeZone: () => Intl.DateTimeFormat().resolvedOptions().timeZone ?? null,
  };

  const systemDark = matchMedia("(prefers-color-scheme: dark)");
  const rememberSystemTheme = () => {
    if (document.documentElement.dataset.themeFixed) {
      return; // an embedded dashboard: its address says the theme, and another site's frame may not keep cookies
    }
    const theme = systemDark.matches ? "dark" : "light";
    if (!document.cookie.split("; ").includes(`analytics_system_theme=${theme}`)) {
      document.cookie = `analytics_system_theme=${theme}; path=/; max-age=31536000; samesite=lax`;
      // Without a choice of their own, the first page followed the old guess: show the system's theme now.
      if (!document.cookie.split("; ").some((c) => c.startsWith("analytics_theme=")) && document.documentElement.dataset.theme !== theme) {
        location.reload();
      }
    }
  };
  rememberSystemTheme();
  systemDark.addEventListener("change", rememberSystemTheme);

  document.addEventListener("click", async (event) => {
    const copy = event.target.closest("[data-copy]");
    if (copy) {
      const source = document.querySelector(copy.dataset.copy);
      try {
        await navigator.clipboard.writeText(source?.textContent ?? "");
      } catch {
        const range = document.createRange();
        range.selectNodeContents(source);
        const selection = getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        document.execCommand("copy");
      }
      copy.dataset.copied = "true";
      setTimeout(() => { delete copy.dataset.copied; }, 2000);
    }

    if (event.target.closest("[data-theme-toggle]")) {
      const dark = document.documentElement.dataset.theme === "dark";
      document.cookie = `analytics_theme=${dark ? "light" : "dark"}; path=/; max-age=31536000; samesite=lax`;
      location.reload();
    }
  });

  // The graph by keyboard: with the graph focused, the arrow keys, Home and End move a highlighted bucket, whose tooltip
  // shows and is read out (the tooltips are CSS-only for the mouse, so this stays in the browser too).
  const graphKey = (graph, key) => {
    const buckets = graph.querySelectorAll(".bucket");
    if (buckets.length === 0 || !["ArrowLeft", "ArrowRight", "Home", "End"].includes(key)) return false;
    const current = [...buckets].findIndex((b) => b.classList.contains("focused"));
    const next = key === "Home" ? 0 : key === "End" ? buckets.length - 1
      : Math.min(buckets.length - 1, Math.max(0, current < 0 ? (key === "ArrowLeft" ? buckets.length - 1 : 0) : current + (key === "ArrowLeft" ? -1 : 1)));
    buckets.forEach((b, i) => b.classList.toggle("focused", i === next));
    const announce = graph.parentElement.querySelector("[data-graph-announce]");
    if (announce) announce.textContent = [...buckets[next].querySelectorAll(".tip > *")].map((part) => part.textContent.trim()).join(", ");
    return true;
  };
  document.addEventListener("focusout", (event) => {
    if (event.target instanceof HTMLElement && event.target.matches("[data-graph-keys]")) {
      event.target.querySelectorAll(".bucket.focused").forEach((b) => b.classList.remove("focused"));
    }
  });

  // Shortcuts: a key clicks the link marked data-shortcut with it (range presets, comparison, clearing filters, moving
  // the range), unless the user is typing or a dialog is open.
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    const target = event.target;
    if (target instanceof HTMLElement && target.matches("[data-graph-keys]") && graphKey(target, event.key)) {
      event.preventDefault();
      return;
    }
    if (target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    if (document.querySelector(".mud-dialog-container, .mud-popover-open")) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    const link = document.querySelector(`a[data-shortcut="${CSS.escape(key)}"]`);
    if (link) {
      event.preventDefault();
      link.click();
    }
  });

  // A circuit the server no longer knows (it restarted) cannot resume: once the server answers again, reload the page,
  // which rebuilds the same view from its URL. blazor.web.js reports each state of the reconnection as an event.
  let reloading = false;
  document.addEventListener("components-reconnect-state-changed", async (event) => {
    if (reloading || !["rejected", "failed", "resume-failed"].includes(event.detail?.state)) return;
    reloading = true;
    for (;;) {
      try {
        const response = await fetch("/health", { cache: "no-store" });
        if (response.status < 500) break;
      } catch {
        // Not back yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    location.reload();
  }, true);
})();
