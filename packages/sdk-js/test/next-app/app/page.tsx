export default function Home() {
  return <p>shop</p>;
}
