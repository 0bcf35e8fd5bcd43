-- Dashboard summaries (docs/dashboard.md, "Summaries"): what the inventory and ads tiles read instead
-- of history, so a tile costs in proportion to the SKUs, campaigns and days it shows.
--
--   summaries.inventory_sku       one row per SKU with a snapshot: its latest snapshot, its running
--                                 sales totals at that snapshot, and its lead time and safety stock
--   summaries.inventory_sku_day   one row per SKU per day from its first to its last snapshot: the
--                                 running totals (units sold, snapshot days) up to that day, so any
--                                 window's sales are two lookups
--   summaries.ads_campaign        one row per campaign with metrics: its platform, last metric day and
--                                 running totals
--   summaries.ads_campaign_day    one row per campaign per day from its first to its last metric day:
--                                 running totals up to that day
--   summaries.ads_day             one row per day and platform: the day's totals
--
-- Kept right in the same transaction as every write to their sources, whoever writes (the gateway's
-- ingestion or ETL straight into the tables), by statement-level triggers; summaries.rebuild()
-- recomputes everything (idempotent; `npm run db:summaries`). Only those SECURITY DEFINER functions
-- write here. Concurrent writers of one SKU or campaign queue on its summary row (taken in key order,
-- before anything is read): under READ COMMITTED each step then sees what the writer before committed;
-- a REPEATABLE READ or SERIALIZABLE writer gets a serialization failure to retry, never a wrong sum.
-- Readers see the summaries exactly as they may see the sources (RLS below).

CREATE SCHEMA summaries;
REVOKE ALL ON SCHEMA summaries FROM PUBLIC;
GRANT USAGE ON SCHEMA summaries TO authenticated, service_role;

-- Columns other than the key are NULL only on a row taken as a lock for a SKU that has no snapshot
-- (yet, or any more); such rows never outlive the writing transaction. The one-row-per-key tables are
-- rewritten by every ingestion: fillfactor leaves room for those updates on the same page (HOT), so
-- the tables the tiles scan stay compact.
CREATE TABLE summaries.inventory_sku (
  sku text PRIMARY KEY,
  last_date date,
  product_title text,
  on_hand integer,
  available integer,
  committed integer,
  incoming integer,
  units_to_date bigint,
  days_to_date integer,
  lead_time_days integer,
  lead_time_source text,
  safety_stock integer
) WITH (fillfactor = 70);

CREATE TABLE summaries.inventory_sku_day (
  sku text NOT NULL,
  day date NOT NULL,
  -- The SKU's latest snapshot on or before `day`.
  snapshot_date date NOT NULL,
  units_to_date bigint NOT NULL,
  days_to_date integer NOT NULL,
  PRIMARY KEY (sku, day)
);
-- The tiles read one day for every SKU.
CREATE INDEX inventory_sku_day_day_idx ON summaries.inventory_sku_day (day, sku);

CREATE TABLE summaries.ads_campaign (
  campaign_id uuid PRIMARY KEY,
  platform text,
  last_date date,
  spend_to_date bigint,
  revenue_to_date bigint,
  impressions_to_date bigint,
  clicks_to_date bigint,
  conversions_to_date bigint
) WITH (fillfactor = 70);

CREATE TABLE summaries.ads_campaign_day (
  campaign_id uuid NOT NULL,
  day date NOT NULL,
  -- The campaign's latest metric day on or before `day`.
  metric_date date NOT NULL,
  spend_to_date bigint NOT NULL,
  revenue_to_date bigint NOT NULL,
  impressions_to_date bigint NOT NULL,
  clicks_to_date bigint NOT NULL,
  conversions_to_date bigint NOT NULL,
  PRIMARY KEY (campaign_id, day)
);
CREATE INDEX ads_campaign_day_day_idx ON summaries.ads_campaign_day (day, campaign_id);

CREATE TABLE summaries.ads_day (
  metric_date date NOT NULL,
  platform text NOT NULL,
  spend_cents bigint NOT NULL DEFAULT 0,
  revenue_cents bigint NOT NULL DEFAULT 0,
  impressions bigint NOT NULL DEFAULT 0,
  clicks bigint NOT NULL DEFAULT 0,
  conversions bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (metric_date, platform)
) WITH (fillfactor = 70);

-- ───────────── Who reads them: exactly who reads their sources ─────────────
-- inventory_snapshots, reorder_points, supplier_lead_times, ads_campaigns and ads_daily_metrics are
-- all "operators read, service_role reads and writes" (20251020000100, 20251020000600): the same here,
-- for reading only.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['inventory_sku', 'inventory_sku_day', 'ads_campaign', 'ads_campaign_day', 'ads_day'] LOOP
    EXECUTE format('ALTER TABLE summaries.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('REVOKE ALL ON summaries.%I FROM PUBLIC, anon, authenticated, service_role', t);
    EXECUTE format('GRANT SELECT ON summaries.%I TO authenticated, service_role', t);
    EXECUTE format('CREATE POLICY %I ON summaries.%I FOR SELECT TO authenticated USING ((SELECT gateway.is_operator()))', t || '_authenticated_read', t);
    EXECUTE format('CREATE POLICY %I ON summaries.%I FOR SELECT TO service_role USING (true)', t || '_service_role_read', t);
  END LOOP;
END $$;

-- ───────────── Inventory ─────────────

-- Takes the summary rows of `skus` (creating the missing ones) in key order: the lock every writer of
-- those SKUs' summaries queues on.
CREATE FUNCTION summaries.lock_skus(skus text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  INSERT INTO summaries.inventory_sku (sku) SELECT DISTINCT k FROM unnest(skus) AS k ORDER BY 1 ON CONFLICT DO NOTHING;
  PERFORM 1 FROM summaries.inventory_sku WHERE sku = ANY(skus) ORDER BY sku FOR UPDATE;
END $$;

-- Each SKU's lead time (override, else the supplier's, else 7 days: upstream's column default), where
-- it comes from, and its safety stock: the one definition both updates of the summary rows use.
CREATE FUNCTION summaries.reorder_settings(skus text[])
RETURNS TABLE (sku text, lead_time_days integer, lead_time_source text, safety_stock integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT k.sku, coalesce(rp.lead_time_days, sl.lead_time_days, 7),
         CASE WHEN rp.lead_time_days IS NOT NULL THEN 'override' WHEN sl.lead_time_days IS NOT NULL THEN 'supplier' ELSE 'default' END,
         coalesce(rp.safety_stock, 0)
  FROM unnest(skus) AS k(sku)
  LEFT JOIN public.reorder_points rp ON rp.sku = k.sku
  LEFT JOIN public.supplier_lead_times sl ON sl.id = rp.supplier_id
$$;

-- A reorder point or a supplier's lead time changed: the SKUs' settings (their rows taken first).
CREATE FUNCTION summaries.apply_reorder_settings(skus text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  PERFORM summaries.lock_skus(skus);
  UPDATE summaries.inventory_sku t
  SET lead_time_days = r.lead_time_days, lead_time_source = r.lead_time_source, safety_stock = r.safety_stock
  FROM summaries.reorder_settings(skus) AS r
  WHERE t.sku = r.sku;
  -- The rows lock_skus created for SKUs without snapshots.
  DELETE FROM summaries.inventory_sku WHERE sku = ANY(skus) AND last_date IS NULL;
END $$;

-- Recomputes the summaries of the SKUs a write touched (`touched_skus` pairwise with `touched_dates`:
-- every SKU and day it changed), each from the earliest day touched on.
CREATE FUNCTION summaries.refresh_inventory(touched_skus text[], touched_dates date[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  skus text[];
  sinces date[];
BEGIN
  SELECT array_agg(sku ORDER BY sku), array_agg(since ORDER BY sku) INTO skus, sinces
  FROM (SELECT sku, min(d) AS since FROM unnest(touched_skus, touched_dates) AS t(sku, d) GROUP BY sku) AS c;
  IF skus IS NULL THEN RETURN; END IF;
  PERFORM summaries.lock_skus(skus);
  DELETE FROM summaries.inventory_sku_day d USING unnest(skus, sinces) AS c(sku, since) WHERE d.sku = c.sku AND d.day >= c.since;
  WITH changed AS (
    -- Each SKU's last day row before `since` (none before its first snapshot): the running totals to
    -- carry on from, and the day to start from (its next day: after the SKU's last snapshot there are
    -- no day rows, so a new snapshot past a gap fills the gap).
    SELECT c.sku, coalesce(b.day + 1, c.since) AS since, b.snapshot_date AS base_date,
           coalesce(b.units_to_date, 0) AS base_units, coalesce(b.days_to_date, 0) AS base_days
    FROM unnest(skus, sinces) AS c(sku, since)
    LEFT JOIN LATERAL (SELECT * FROM summaries.inventory_sku_day b WHERE b.sku = c.sku AND b.day < c.since ORDER BY b.day DESC LIMIT 1) AS b ON true
  ), snaps AS (
    -- The snapshots from `since` on, each with the running totals up to it and the day of the next one.
    SELECT c.sku, c.since, c.base_date, c.base_units, c.base_days, s.snapshot_date,
           lead(s.snapshot_date) OVER w AS next_date, sum(s.units_sold) OVER w AS units, count(*) OVER w AS days, row_number() OVER w AS n
    FROM changed c
    -- OFFSET 0 keeps this a lookup per SKU: a plain join makes the planner hash the whole table.
    CROSS JOIN LATERAL (SELECT * FROM public.inventory_snapshots s WHERE s.sku = c.sku AND s.snapshot_date >= c.since OFFSET 0) AS s
    WINDOW w AS (PARTITION BY c.sku ORDER BY s.snapshot_date)
  )
  INSERT INTO summaries.inventory_sku_day (sku, day, snapshot_date, units_to_date, days_to_date)
  SELECT sku, d::date, snapshot_date, base_units + units, base_days + days
  FROM snaps CROSS JOIN generate_series(snapshot_date, coalesce(next_date - 1, snapshot_date), interval '1 day') AS d
  UNION ALL
  -- The days between the row carried on from and the first snapshot since: the totals carried forward.
  SELECT sku, d::date, base_date, base_units, base_days
  FROM snaps CROSS JOIN generate_series(since, snapshot_date - 1, interval '1 day') AS d
  WHERE n = 1 AND base_date IS NOT NULL
  ORDER BY 2, 1; -- stored in the order the tiles read them (one day, every SKU)

  -- One update per SKU: its latest snapshot (none when all are gone: the row is then removed), its
  -- running totals there, and its settings.
  UPDATE summaries.inventory_sku t
  SET last_date = s.snapshot_date, product_title = s.product_title, on_hand = s.on_hand_quantity, available = s.available_quantity,
      committed = s.committed_quantity, incoming = s.incoming_quantity, units_to_date = d.units_to_date, days_to_date = d.days_to_date,
      lead_time_days = r.lead_time_days, lead_time_source = r.lead_time_source, safety_stock = r.safety_stock
  FROM summaries.reorder_settings(skus) AS r
  LEFT JOIN LATERAL (SELECT * FROM public.inventory_snapshots s WHERE s.sku = r.sku ORDER BY s.snapshot_date DESC LIMIT 1) AS s ON true
  LEFT JOIN LATERAL (SELECT * FROM summaries.inventory_sku_day d WHERE d.sku = r.sku AND d.day = s.snapshot_date LIMIT 1) AS d ON true
  WHERE t.sku = r.sku;
  DELETE FROM summaries.inventory_sku WHERE sku = ANY(skus) AND last_date IS NULL;
END $$;

CREATE FUNCTION summaries.inventory_snapshots_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  touched_skus text[];
  touched_dates date[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE summaries.inventory_sku_day, summaries.inventory_sku;
    RETURN NULL;
  ELSIF TG_OP = 'INSERT' THEN
    SELECT array_agg(sku), array_agg(snapshot_date) INTO touched_skus, touched_dates FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(sku), array_agg(snapshot_date) INTO touched_skus, touched_dates FROM old_rows;
  ELSE
    SELECT array_agg(sku), array_agg(snapshot_date) INTO touched_skus, touched_dates
    FROM (SELECT sku, snapshot_date FROM new_rows UNION ALL SELECT sku, snapshot_date FROM old_rows) AS r;
  END IF;
  PERFORM summaries.refresh_inventory(touched_skus, touched_dates);
  RETURN NULL;
END $$;


-- A reorder point written or removed: its SKU's (old and new) lead time and safety stock.
CREATE FUNCTION summaries.reorder_points_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE skus text[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    SELECT array_agg(sku ORDER BY sku) INTO skus FROM summaries.inventory_sku;
  ELSIF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT sku ORDER BY sku) INTO skus FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT sku ORDER BY sku) INTO skus FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT sku ORDER BY sku) INTO skus FROM (SELECT sku FROM new_rows UNION SELECT sku FROM old_rows) AS r;
  END IF;
  IF skus IS NOT NULL THEN PERFORM summaries.apply_reorder_settings(skus); END IF;
  RETURN NULL;
END $$;


-- A supplier's lead time changed: the SKUs it supplies. (A deleted supplier sets its reorder points'
-- supplier_id to NULL, which the reorder_points trigger sees.)
CREATE FUNCTION summaries.supplier_lead_times_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE skus text[];
BEGIN
  SELECT array_agg(DISTINCT rp.sku ORDER BY rp.sku) INTO skus
  FROM public.reorder_points rp JOIN new_rows n ON n.id = rp.supplier_id JOIN old_rows o ON o.id = n.id
  WHERE n.lead_time_days IS DISTINCT FROM o.lead_time_days;
  IF skus IS NOT NULL THEN PERFORM summaries.apply_reorder_settings(skus); END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER supplier_lead_times_summaries_update AFTER UPDATE ON public.supplier_lead_times
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION summaries.supplier_lead_times_changed();

-- ───────────── Ads ─────────────

CREATE FUNCTION summaries.lock_campaigns(ids uuid[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  INSERT INTO summaries.ads_campaign (campaign_id) SELECT DISTINCT k FROM unnest(ids) AS k ORDER BY 1 ON CONFLICT DO NOTHING;
  PERFORM 1 FROM summaries.ads_campaign WHERE campaign_id = ANY(ids) ORDER BY campaign_id FOR UPDATE;
END $$;

-- Recomputes the day totals of `dates` on `platforms` (pairwise) from the metrics, after taking their rows.
CREATE FUNCTION summaries.refresh_ads_days(dates date[], platforms text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  INSERT INTO summaries.ads_day (metric_date, platform)
  SELECT DISTINCT d, p FROM unnest(dates, platforms) AS k(d, p) ORDER BY 1, 2 ON CONFLICT DO NOTHING;
  PERFORM 1 FROM summaries.ads_day a JOIN unnest(dates, platforms) AS k(d, p) ON a.metric_date = k.d AND a.platform = k.p
  ORDER BY a.metric_date, a.platform FOR UPDATE OF a;
  UPDATE summaries.ads_day a
  SET spend_cents = coalesce(t.spend, 0), revenue_cents = coalesce(t.revenue, 0), impressions = coalesce(t.impressions, 0),
      clicks = coalesce(t.clicks, 0), conversions = coalesce(t.conversions, 0)
  FROM (SELECT DISTINCT d, p FROM unnest(dates, platforms) AS k(d, p)) AS k
  LEFT JOIN LATERAL (
    SELECT sum(m.spend_cents) AS spend, sum(m.revenue_cents) AS revenue, sum(m.impressions) AS impressions,
           sum(m.clicks) AS clicks, sum(m.conversions) AS conversions, count(*) AS n
    FROM public.ads_daily_metrics m JOIN public.ads_campaigns c ON c.id = m.campaign_id
    WHERE m.metric_date = k.d AND c.platform = k.p
  ) AS t ON true
  WHERE a.metric_date = k.d AND a.platform = k.p;
  DELETE FROM summaries.ads_day a USING unnest(dates, platforms) AS k(d, p)
  WHERE a.metric_date = k.d AND a.platform = k.p
    AND NOT EXISTS (SELECT 1 FROM public.ads_daily_metrics m JOIN public.ads_campaigns c ON c.id = m.campaign_id
                    WHERE m.metric_date = k.d AND c.platform = k.p);
END $$;

-- Recomputes the summaries of the campaigns a write touched (`touched_ids` pairwise with
-- `touched_dates`: every campaign and day it changed), each from the earliest day touched on, and the
-- day totals of the days and platforms touched.
CREATE FUNCTION summaries.refresh_ads(touched_ids uuid[], touched_dates date[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  ids uuid[];
  sinces date[];
  dates date[];
  platforms text[];
BEGIN
  SELECT array_agg(id ORDER BY id), array_agg(since ORDER BY id) INTO ids, sinces
  FROM (SELECT id, min(d) AS since FROM unnest(touched_ids, touched_dates) AS t(id, d) GROUP BY id) AS c;
  IF ids IS NULL THEN RETURN; END IF;
  PERFORM summaries.lock_campaigns(ids);
  -- The platform a day's totals were counted under: the summary's (it outlives a deleted campaign) and the current one.
  SELECT array_agg(d ORDER BY d, p), array_agg(p ORDER BY d, p) INTO dates, platforms
  FROM (SELECT DISTINCT t.d, p.platform AS p
        FROM unnest(touched_ids, touched_dates) AS t(id, d)
        CROSS JOIN LATERAL (SELECT s.platform FROM summaries.ads_campaign s WHERE s.campaign_id = t.id
                            UNION SELECT c.platform FROM public.ads_campaigns c WHERE c.id = t.id) AS p
        WHERE p.platform IS NOT NULL) AS k;

  DELETE FROM summaries.ads_campaign_day d USING unnest(ids, sinces) AS c(id, since) WHERE d.campaign_id = c.id AND d.day >= c.since;
  WITH changed AS (
    -- As in refresh_inventory: carry on from the campaign's last day row before `since`.
    SELECT c.id, coalesce(b.day + 1, c.since) AS since, b.metric_date AS base_date, coalesce(b.spend_to_date, 0) AS b_spend,
           coalesce(b.revenue_to_date, 0) AS b_revenue, coalesce(b.impressions_to_date, 0) AS b_impressions,
           coalesce(b.clicks_to_date, 0) AS b_clicks, coalesce(b.conversions_to_date, 0) AS b_conversions
    FROM unnest(ids, sinces) AS c(id, since)
    LEFT JOIN LATERAL (SELECT * FROM summaries.ads_campaign_day b WHERE b.campaign_id = c.id AND b.day < c.since ORDER BY b.day DESC LIMIT 1) AS b ON true
  ), metrics AS (
    SELECT c.*, m.metric_date, lead(m.metric_date) OVER w AS next_date, row_number() OVER w AS n,
           sum(m.spend_cents) OVER w AS spend, sum(m.revenue_cents) OVER w AS revenue, sum(m.impressions) OVER w AS impressions,
           sum(m.clicks) OVER w AS clicks, sum(m.conversions) OVER w AS conversions
    FROM changed c
    CROSS JOIN LATERAL (SELECT * FROM public.ads_daily_metrics m WHERE m.campaign_id = c.id AND m.metric_date >= c.since OFFSET 0) AS m
    WINDOW w AS (PARTITION BY c.id ORDER BY m.metric_date)
  )
  INSERT INTO summaries.ads_campaign_day (campaign_id, day, metric_date, spend_to_date, revenue_to_date, impressions_to_date, clicks_to_date, conversions_to_date)
  SELECT id, d::date, metric_date, b_spend + spend, b_revenue + revenue, b_impressions + impressions, b_clicks + clicks, b_conversions + conversions
  FROM metrics CROSS JOIN generate_series(metric_date, coalesce(next_date - 1, metric_date), interval '1 day') AS d
  UNION ALL
  SELECT id, d::date, base_date, b_spend, b_revenue, b_impressions, b_clicks, b_conversions
  FROM metrics CROSS JOIN generate_series(since, metric_date - 1, interval '1 day') AS d
  WHERE n = 1 AND base_date IS NOT NULL
  ORDER BY 2, 1;

  UPDATE summaries.ads_campaign t
  SET platform = c.platform, last_date = d.day, spend_to_date = d.spend_to_date, revenue_to_date = d.revenue_to_date,
      impressions_to_date = d.impressions_to_date, clicks_to_date = d.clicks_to_date, conversions_to_date = d.conversions_to_date
  FROM unnest(ids) AS k(id)
  JOIN public.ads_campaigns c ON c.id = k.id
  CROSS JOIN LATERAL (SELECT * FROM summaries.ads_campaign_day d WHERE d.campaign_id = k.id ORDER BY d.day DESC LIMIT 1) AS d
  WHERE t.campaign_id = k.id;
  DELETE FROM summaries.ads_campaign t
  WHERE t.campaign_id = ANY(ids) AND NOT EXISTS (SELECT 1 FROM public.ads_daily_metrics m WHERE m.campaign_id = t.campaign_id);

  IF dates IS NOT NULL THEN PERFORM summaries.refresh_ads_days(dates, platforms); END IF;
END $$;

CREATE FUNCTION summaries.ads_daily_metrics_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  touched_ids uuid[];
  touched_dates date[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE summaries.ads_campaign_day, summaries.ads_campaign, summaries.ads_day;
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(campaign_id), array_agg(metric_date) INTO touched_ids, touched_dates FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(campaign_id), array_agg(metric_date) INTO touched_ids, touched_dates FROM old_rows;
  ELSE
    SELECT array_agg(campaign_id), array_agg(metric_date) INTO touched_ids, touched_dates
    FROM (SELECT campaign_id, metric_date FROM new_rows UNION SELECT campaign_id, metric_date FROM old_rows) AS r;
  END IF;
  PERFORM summaries.refresh_ads(touched_ids, touched_dates);
  RETURN NULL;
END $$;

-- A campaign moved to another platform: its days' totals move with it.
CREATE FUNCTION summaries.ads_campaigns_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  ids uuid[];
  touched_ids uuid[];
  touched_dates date[];
BEGIN
  SELECT array_agg(n.id ORDER BY n.id) INTO ids
  FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.platform IS DISTINCT FROM o.platform;
  IF ids IS NULL THEN RETURN NULL; END IF;
  SELECT array_agg(m.campaign_id), array_agg(m.metric_date) INTO touched_ids, touched_dates
  FROM public.ads_daily_metrics m WHERE m.campaign_id = ANY(ids);
  PERFORM summaries.refresh_ads(touched_ids, touched_dates);
  RETURN NULL;
END $$;

CREATE TRIGGER ads_campaigns_summaries_update AFTER UPDATE ON public.ads_campaigns
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION summaries.ads_campaigns_changed();

-- ───────────── The triggers ─────────────
-- Every kind of write to each source, one statement at a time (its rows as transition tables).
DO $$
DECLARE
  source text;
  handler text;
BEGIN
  FOR source, handler IN VALUES ('inventory_snapshots', 'inventory_snapshots_changed'), ('reorder_points', 'reorder_points_changed'),
                                ('ads_daily_metrics', 'ads_daily_metrics_changed') LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON public.%I REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION summaries.%I()',
                   source || '_summaries_insert', source, handler);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON public.%I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION summaries.%I()',
                   source || '_summaries_update', source, handler);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON public.%I REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION summaries.%I()',
                   source || '_summaries_delete', source, handler);
    EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON public.%I FOR EACH STATEMENT EXECUTE FUNCTION summaries.%I()',
                   source || '_summaries_truncate', source, handler);
  END LOOP;
END $$;

-- ───────────── Rebuild ─────────────

-- Recomputes every summary from its sources: idempotent; for writes that went around the triggers
-- (session_replication_role = replica, disabled triggers, a restore without them).
CREATE FUNCTION summaries.rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  touched_skus text[];
  touched_ids uuid[];
  touched_dates date[];
BEGIN
  TRUNCATE summaries.inventory_sku_day, summaries.inventory_sku, summaries.ads_campaign_day, summaries.ads_campaign, summaries.ads_day;
  -- Each SKU from its first snapshot; each campaign with every metric day (so every day and platform).
  SELECT array_agg(sku), array_agg(first_date) INTO touched_skus, touched_dates
  FROM (SELECT sku, min(snapshot_date) AS first_date FROM public.inventory_snapshots GROUP BY sku) AS c;
  PERFORM summaries.refresh_inventory(touched_skus, touched_dates);
  SELECT array_agg(campaign_id), array_agg(metric_date) INTO touched_ids, touched_dates FROM public.ads_daily_metrics;
  PERFORM summaries.refresh_ads(touched_ids, touched_dates);
END $$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA summaries FROM PUBLIC;

SELECT summaries.rebuild();
