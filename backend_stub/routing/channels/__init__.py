"""External channels: one small interface (:mod:`.base`), what their codes mean (:mod:`.codes`),
the simulated channels (:mod:`.simulated`, scripted by :mod:`.sim_scripts`), and the pool that
bounds every call (:mod:`.pool`)."""
