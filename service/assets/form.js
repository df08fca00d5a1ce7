// As the figure is typed, show the interval Tally reads from it (the page works without this).
(function () {
  const figure = document.getElementById("figure");
  const source = document.getElementById("source");
  const reading = document.getElementById("reading");
  const unit = document.getElementById("unit");
  if (!figure || !reading) return;
  let timer = null;
  async function read() {
    if (!figure.value.trim()) { reading.textContent = ""; return; }
    // lang: the interval is written in the language the page speaks (its <html lang>)
    const query = new URLSearchParams({ figure: figure.value, source: source ? source.value : "", unit: unit ? unit.value : "", lang: document.documentElement.lang });
    const answer = await fetch("/desk/read?" + query.toString(), { headers: { Accept: "application/json" } });
    if (!answer.ok) return;
    const found = await answer.json();
    reading.textContent = found.interval ? found.interval + " (" + found.reading.join("; ") + ")" : found.reading.join("; ");
  }
  figure.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(read, 200); });
  if (source) source.addEventListener("change", read);
  if (unit) unit.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(read, 200); });
})();
