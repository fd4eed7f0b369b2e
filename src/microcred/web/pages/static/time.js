// Dates in words, in the viewer's own time zone. The server writes every date as
// <time datetime="ISO-8601" data-when="date|datetime|relative">words in UTC</time>; this script
// rewrites the words for the browser's locale and zone. Without JavaScript the UTC words stay.
(function () {
  "use strict";
  var lang = document.documentElement.lang || undefined;
  var styles = {
    date: { dateStyle: "long" },
    datetime: { dateStyle: "long", timeStyle: "short" }
  };
  var units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400],
               ["hour", 3600], ["minute", 60], ["second", 1]];
  function relative(date) {
    var seconds = (date.getTime() - Date.now()) / 1000;
    var rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
    for (var i = 0; i < units.length; i++) {
      if (Math.abs(seconds) >= units[i][1] || units[i][0] === "second") {
        return rtf.format(Math.round(seconds / units[i][1]), units[i][0]);
      }
    }
    return "";
  }
  function render(el) {
    var date = new Date(el.getAttribute("datetime"));
    if (isNaN(date.getTime())) { return; }
    var style = el.getAttribute("data-when") || "datetime";
    var full = new Intl.DateTimeFormat(lang, { year: "numeric", month: "long", day: "numeric",
                                               hour: "2-digit", minute: "2-digit",
                                               timeZoneName: "short" }).format(date);
    if (style === "relative") {
      el.textContent = relative(date);
      el.title = full;
    } else {
      el.textContent = new Intl.DateTimeFormat(lang, styles[style] || styles.datetime).format(date);
      if (style === "datetime") { el.title = full; }
    }
  }
  document.querySelectorAll("time[data-when]").forEach(render);
})();
