export const dynamic = "force-dynamic";

function loadRecommendations(): string[] {
  throw new RangeError("recommendations service returned nothing");
}

export default function Broken() {
  return (
    <ul>
      {loadRecommendations().map((r) => (
        <li key={r}>{r}</li>
      ))}
    </ul>
  );
}
