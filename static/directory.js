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

  // A pin's popup: the listing's name (to its page) and a link to its card in the list.
  function pinPopup(card, inList) {
    var popup = document.createElement("div");
    var name = document.createElement("a");
    name.href = "/listings/" + card.dataset.id;
    name.textContent = card.dataset.name;
    var toCard = document.createElement("a");
    toCard.href = "#" + card.id;
    toCard.textContent = inList;
    popup.appendChild(name);
    popup.appendChild(document.createElement("br"));
    popup.appendChild(toCard);
    return popup;
  }

  // Pins open a popup on click; they stay out of the tab order (keyboard users have the list, which holds
  // everything the map shows), and the searched place is marked.
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
      window.L.marker(point, { alt: card.dataset.name, keyboard: false })
        .bindPopup(pinPopup(card, element.dataset.inList))
        .addTo(map);
    });
    if (element.dataset.centreLat) {
      var centre = [parseFloat(element.dataset.centreLat), parseFloat(element.dataset.centreLng)];
      points.push(centre);
      window.L.circleMarker(centre, { radius: 8, weight: 3, color: "#b00020", fillOpacity: 0.6, interactive: false })
        .bindTooltip(element.dataset.centreLabel, { permanent: true, direction: "top", className: "map-centre" })
        .addTo(map);
    }
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
