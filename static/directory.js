// The public directory's optional enhancements: "use my location", the results map, copy link, print.
// Every page works without this file; nothing here is needed to search, read, report or print.
(function () {
  "use strict";

  function useMyLocation() {
    var button = document.getElementById("use-location");
    if (!button || !navigator.geolocation) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        document.getElementById("lat").value = position.coords.latitude.toFixed(4);
        document.getElementById("lng").value = position.coords.longitude.toFixed(4);
        document.getElementById("search-form").submit();
      });
    });
    // Typing a place replaces a position found earlier.
    document.getElementById("near").addEventListener("input", function () {
      document.getElementById("lat").value = "";
      document.getElementById("lng").value = "";
    });
  }

  function resultsMap() {
    var element = document.getElementById("map");
    if (!element || !window.L) return;
    var cards = document.querySelectorAll(".card[data-lat]");
    element.textContent = "";
    var map = window.L.map(element, { scrollWheelZoom: false });
    window.L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution, maxZoom: 18 }).addTo(map);
    var points = [];
    cards.forEach(function (card) {
      var point = [parseFloat(card.dataset.lat), parseFloat(card.dataset.lng)];
      points.push(point);
      window.L.marker(point, { title: card.dataset.name, alt: card.dataset.name }).addTo(map);
    });
    if (points.length) map.fitBounds(points, { padding: [20, 20], maxZoom: 14 });
    else map.setView([39.29, -76.61], 10);
  }

  function copyLinks() {
    if (!navigator.clipboard) return;
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var link = document.getElementById(button.dataset.copy);
        navigator.clipboard.writeText(link.href).then(function () {
          button.textContent = button.dataset.copied || "✓";
        });
      });
    });
  }

  function printButton() {
    var button = document.getElementById("print-page");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  }

  useMyLocation();
  resultsMap();
  copyLinks();
  printButton();
})();
