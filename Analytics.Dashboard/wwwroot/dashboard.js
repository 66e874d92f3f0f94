// The dashboard's few live parts (pages are rendered on the server): copy buttons, the theme switch, the browser's
// time zone as the default for a new property, and the realtime numbers, polled from this server every 10 seconds.
(() => {
  "use strict";

  document.addEventListener("click", async (event) => {
    const copy = event.target.closest("[data-copy]");
    if (copy) {
      const text = document.querySelector(copy.dataset.copy)?.textContent ?? "";
      try {
        await navigator.clipboard.writeText(text);
      } catch {
        const range = document.createRange();
        range.selectNodeContents(document.querySelector(copy.dataset.copy));
        const selection = getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        document.execCommand("copy");
      }
      copy.textContent = "Copied";
      setTimeout(() => { copy.textContent = "Copy"; }, 2000);
    }

    if (event.target.closest("[data-theme-toggle]")) {
      const chosen = document.documentElement.dataset.theme;
      const dark = chosen === "dark" || (chosen === "system" && matchMedia("(prefers-color-scheme: dark)").matches);
      document.cookie = `analytics_theme=${dark ? "light" : "dark"}; path=/; max-age=31536000; samesite=lax`;
      location.reload();
    }
  });

  const zoneSelect = document.querySelector("select[data-browser-zone]");
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zoneSelect && zone && [...zoneSelect.options].some((o) => o.value === zone)) {
    zoneSelect.value = zone;
  }

  const live = document.querySelector("[data-realtime-url]");
  if (live) {
    const refresh = async () => {
      try {
        const response = await fetch(live.dataset.realtimeUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (!response.ok) return;
        const data = await response.json();
        document.querySelectorAll("[data-realtime-count]").forEach((e) => { e.textContent = data.visitors; });
        const max = Math.max(0, ...data.minutes.map((m) => m.visitors));
        document.querySelectorAll("rect[data-minute]").forEach((rect) => {
          const minute = data.minutes[Number(rect.dataset.minute)];
          const height = minute && max > 0 ? (minute.visitors / max) * 56 : 0;
          rect.setAttribute("y", String(60 - height));
          rect.setAttribute("height", String(height));
        });
        const pageviews = document.querySelector("[data-realtime-pageviews]");
        if (pageviews) pageviews.textContent = data.minutes.reduce((sum, m) => sum + m.pageviews, 0);
      } catch {
        // Offline or restarting: the next tick tries again.
      }
    };
    setInterval(refresh, 10000);
  }
})();
