// The page's own code (a real file, so its frames point at /app.js).
function renderCart(cart) {
  return cart.items.length;
}

function onBuy() {
  console.log("buy clicked");
  fetch("/api/price?session=s3cret").then(() => {
    history.pushState({}, "", "/checkout");
    setTimeout(() => renderCart(undefined), 0);
  });
}

function chargeLater() {
  return Promise.reject(new Error("payment service unavailable"));
}

document.getElementById("buy").addEventListener("click", onBuy);
document.getElementById("pay").addEventListener("click", () => {
  chargeLater();
});
