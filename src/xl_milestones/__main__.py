from xl_milestones.cli import run

run()
