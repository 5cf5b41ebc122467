-- bench/query/pg_query.sql — pgbench custom script (-f): the PostgreSQL twin of
-- bench/query/query.lua. Random author a0 .. a<AUTHORS-1> (pgbench -D AUTHORS=...),
-- served by the btree expression index posts_author_likes.
\set k random(0, :AUTHORS - 1)
SELECT id, data FROM posts WHERE data->>'author' = 'a' || :k ORDER BY (data->>'likes')::bigint DESC LIMIT 20;
