-- Funnels per property: 2 to 8 goals in order, each step a goal of the property (never the same one twice). A funnel
-- goes with its goals: deleting a goal deletes the funnels that use it (GoalStore), as Plausible does.
CREATE TABLE funnels (
    id bigserial PRIMARY KEY,
    property_id bigint NOT NULL REFERENCES properties (id) ON DELETE CASCADE,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (property_id, name)
);

CREATE TABLE funnel_steps (
    funnel_id bigint NOT NULL REFERENCES funnels (id) ON DELETE CASCADE,
    step smallint NOT NULL CHECK (step BETWEEN 1 AND 8),
    goal_id bigint NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
    PRIMARY KEY (funnel_id, step),
    UNIQUE (funnel_id, goal_id)
);
