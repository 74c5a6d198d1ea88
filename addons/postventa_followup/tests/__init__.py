from . import test_agents, test_replies
