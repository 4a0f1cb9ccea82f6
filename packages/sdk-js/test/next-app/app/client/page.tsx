"use client";

import { ErrorBoundary } from "@syntra/sdk/react";
import { useState } from "react";

// Rendered without items: reading their length throws, as a real bug would.
function Cart({ items }: { items?: string[] }) {
  return <p>{(items as string[]).length} items</p>;
}

export default function ClientPage() {
  const [broken, setBroken] = useState(false);
  return (
    <main>
      <button type="button" id="break" onClick={() => setBroken(true)}>
        Break the cart
      </button>
      <ErrorBoundary fallback={<p id="fallback">The cart could not be shown.</p>}>
        {broken ? <Cart /> : <p>cart ok</p>}
      </ErrorBoundary>
    </main>
  );
}
