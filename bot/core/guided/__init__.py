"""Guided stretches and routines: one message, edited at each change, with a timer.

Modules: ``plan`` (a stretch or routine -> timed beats; pure), ``frames`` (a beat -> the
Message), ``timer`` (Timer, SystemTimer, FakeTimer for tests), ``runner`` (GuidedRun: edits
one message through a Surface, paced), ``session`` (GuidedRuns: the runs of this process,
LiveMessage, record_done), ``commands`` (GuidedCommands: the facade), ``lookup`` (routines by
name, typos forgiven).

Running a guided session
------------------------
A platform supplies a ``Surface`` for ONE message::

    class MySurface:
        async def show(self, draw):          # wait for the platform's pacer, THEN draw
            async with pacer:
                await edit_that_message(draw())

Then::

    runs = GuidedRuns(SystemTimer(clock), app.events)          # one per process
    session = runs.prepare(plan_routine(routine, stretches_by_id), owner_actor)
    first = session.opening(countdown)   # post this; Discord's countdown is
                                         # lambda until, left: f"ends <t:{unix}:R>"
    ...post `first`, get its message...
    run = session.begin(MySurface(...))  # edits at each change, >= 2 s apart; finish records
                                         # DONE (source plan.source) for the owner
    await runs.stop(run.run_id, actor)   # the Stop button: returns the "Stopped" frame

A group of people in one shared message (/groupbreak)
-----------------------------------------------------
Use the same engine with no owner and your own finish::

    plan = plan_routine(routine, stretches_by_id, source=Source.GROUP)
    session = GuidedSession(runs, plan, owner=None,
                            on_finish=None,              # nobody is counted automatically
                            may_stop=lambda a: a.user_id in organisers,   # who may press Stop
                            finish_buttons=(Button(actions.DONE.build(), "Done"),))
    first = session.opening(countdown)   # post it ONCE in the channel/thread
    session.begin(surface_for_that_message)

Every participant who presses Done on the finish frame is recorded by the Done button
(``record_done(app.events, actor, plan, now)`` gives source "group"). A run with
``owner=None`` is not tied to anyone, so participants starting their own guided stretches do
not stop it. ``on_finish=runs.recorder(*actors)`` instead records everyone at the finish.
"""
