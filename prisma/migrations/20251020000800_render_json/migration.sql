-- JSON values as the API sends them, computed in PostgreSQL (src/render/: root lists drawn by the
-- database). The API sends a jsonb column as JSON.stringify(JSON.parse(its text)): no spaces, keys in
-- jsonb's order except that integer-like keys ("array indexes" up to 2^32 - 2) come first in numeric
-- order, and every number as JavaScript writes the nearest double. Pure functions of their
-- argument (no table access, SECURITY INVOKER), so any role may call them.

-- A number as JavaScript writes it after JSON.parse (Number::toString of the nearest double), for
-- the numbers where that is certain without computing in floating point: at most 15 significant
-- digits within the normal range of doubles (every such decimal is its double's shortest form).
-- NULL for any other number (17-digit integers, 1e400, …): the renderer then leaves the value to
-- graphql-js.
CREATE FUNCTION gateway.js_number(n numeric) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  plain text := abs(n)::text; -- numeric's text never has an exponent
  digits text;
  point int; -- where the decimal point sits after the first significant digit (ECMA-262's n)
BEGIN
  IF n = 'NaN'::numeric OR abs(n) = 'Infinity'::numeric THEN RETURN NULL; END IF;
  digits := split_part(plain, '.', 1) || split_part(plain, '.', 2);
  point := length(split_part(plain, '.', 1)) - (length(digits) - length(ltrim(digits, '0')));
  digits := rtrim(ltrim(digits, '0'), '0');
  IF digits = '' THEN RETURN '0'; END IF;
  IF length(digits) > 15 OR point > 308 OR point < -306 THEN RETURN NULL; END IF;
  RETURN (CASE WHEN n < 0 THEN '-' ELSE '' END) || CASE
    WHEN length(digits) <= point AND point <= 21 THEN digits || repeat('0', point - length(digits))
    WHEN 0 < point AND point <= 21 THEN left(digits, point) || '.' || substr(digits, point + 1)
    WHEN -6 < point AND point <= 0 THEN '0.' || repeat('0', -point) || digits
    ELSE left(digits, 1) || CASE WHEN length(digits) > 1 THEN '.' || substr(digits, 2) ELSE '' END
      || 'e' || CASE WHEN point - 1 >= 0 THEN '+' ELSE '-' END || abs(point - 1)::text
  END;
END $$;

-- A jsonb value as JSON.stringify(JSON.parse(value::text)) writes it; a number js_number cannot
-- write exactly becomes \u0000 (six characters no JSON text PostgreSQL writes contains), the
-- renderer's sign to leave the whole field to graphql-js.
CREATE FUNCTION gateway.json_text(value jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
  CASE jsonb_typeof(value)
  WHEN 'object' THEN
    RETURN '{' || coalesce((
      SELECT string_agg(to_json(e.key)::text || ':' || gateway.json_text(e.value), ',' ORDER BY i.index IS NULL, i.index, e.ord)
      FROM jsonb_each(value) WITH ORDINALITY AS e(key, value, ord)
      CROSS JOIN LATERAL (
        SELECT CASE WHEN e.key ~ '^(0|[1-9][0-9]{0,9})$' THEN CASE WHEN e.key::bigint <= 4294967294 THEN e.key::bigint END END AS index
      ) i
    ), '') || '}';
  WHEN 'array' THEN
    RETURN '[' || coalesce((SELECT string_agg(gateway.json_text(e.value), ',' ORDER BY e.ord)
                            FROM jsonb_array_elements(value) WITH ORDINALITY AS e(value, ord)), '') || ']';
  WHEN 'string' THEN
    RETURN to_json(value #>> '{}')::text;
  WHEN 'number' THEN
    RETURN coalesce(gateway.js_number((value #>> '{}')::numeric), E'\\u0000');
  ELSE
    RETURN value::text; -- true, false, null
  END CASE;
END $$;

GRANT EXECUTE ON FUNCTION gateway.js_number(numeric), gateway.json_text(jsonb) TO anon, authenticated, service_role;
