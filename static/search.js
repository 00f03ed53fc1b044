// Public directory page: calls the same API as everyone else; shows only public listing fields.
const form = document.getElementById("search");
const list = document.getElementById("results");
const notice = document.getElementById("demo-notice");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const params = new URLSearchParams(new FormData(form));
  const response = await fetch(`/api/services?${params}`);
  const body = await response.json();
  list.replaceChildren();
  if (!response.ok) {
    list.append(Object.assign(document.createElement("li"), { textContent: body.detail }));
    return;
  }
  notice.hidden = !body.contents.some((c) => c.is_sample_data);
  for (const listing of body.contents) {
    const item = document.createElement("li");
    if (listing.is_sample_data) item.className = "sample";
    const where = listing.location ? [listing.location.address_1, listing.location.city].filter(Boolean).join(", ") : "";
    // A listing placed at a ZIP or city centre (or confidential) is only roughly that far.
    const distance =
      listing.distance_km == null ? "" : ` · ${listing.distance_approximate ? "about " : ""}${listing.distance_km} km`;
    item.append(
      Object.assign(document.createElement("strong"), { textContent: listing.display_name || listing.name }),
      document.createElement("br"),
      `${where}${distance}`,
      document.createElement("br"),
      [listing.phones.join(", "), listing.hours.join("; ")].filter(Boolean).join(" · "),
    );
    list.append(item);
  }
});
